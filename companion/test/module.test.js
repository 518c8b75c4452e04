'use strict'
/**
 * The module's client against a real `showctl run`: every action changes the
 * controller's state, the variables and feedbacks follow the live feed, a refusal comes
 * back with its reason, and the client reconnects by itself after the controller restarts.
 */
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { ShowctlClient } = require('../src/client.js')
const { variables, is, VARIABLES } = require('../src/state.js')
const { TOKENS, writeVenue, startController, stopController, until } = require('./controller.js')

let venue, proc, client

const vars = () => variables(client.status)
const state = (s) => until(client, 'status', () => client.status && client.status.state === s, 10000, `state ${s}`)

before(async () => {
	venue = await writeVenue()
	proc = await startController(venue.venuePath)
	client = new ShowctlClient({ host: '127.0.0.1', port: venue.port, token: TOKENS.operator })
	client.start()
	await until(client, 'status', () => client.connection.state === 'ok' && client.status, 10000, 'first status')
})

after(async () => {
	if (client) client.stop()
	if (proc) await stopController(proc)
	if (venue) fs.rmSync(venue.root, { recursive: true, force: true })
})

test('variables and feedbacks from the first status', async () => {
	await until(client, 'status', () => vars().devices_online === '3', 10000, 'screens and lights online')
	const v = vars()
	assert.equal(v.state, 'idle')
	assert.equal(v.devices_total, '4')
	assert.equal(v.show, '')
	assert.equal(is.deviceOffline(client.status, 'sound'), true) // no simulator for it
	assert.equal(is.deviceOffline(client.status, 'screen1'), false)
	assert.equal(is.deviceOffline(client.status, ''), true)
	assert.deepEqual(Object.keys(v).sort(), VARIABLES.map((x) => x.variableId).sort())
})

test('load, GO, hold at a GO, pause, resume, seek, fire, stop', async () => {
	await client.load('film')
	await state('loaded')
	assert.equal(vars().show, 'film')
	assert.equal(vars().show_title, 'The film')
	assert.equal(is.transport(client.status, 'loaded'), true)
	await client.go()
	await state('running')
	assert.equal(vars().cue, '1')
	assert.equal(vars().cue_name, 'Opening')
	assert.equal(vars().next_cue, '2')
	await state('holding') // cue 2 holds for a GO
	assert.equal(is.holdingAtGo(client.status), true)
	assert.equal(vars().cue, '2')
	await client.go()
	await state('running')
	assert.equal(is.holdingAtGo(client.status), false)
	await client.pause()
	await state('paused')
	assert.equal(is.transport(client.status, 'paused'), true)
	await client.resume()
	await state('running')
	await client.seek(100)
	await until(client, 'status', () => client.status.time >= 100, 5000, 'seek')
	assert.match(vars().elapsed, /^1:4\d$/)
	await client.fire('3')
	await until(client, 'status', () => vars().cue === '3', 5000, 'cue 3 fired')
	await client.stopShow(0)
	await state('idle')
	assert.equal(vars().show, '')
})

test('the clock runs on between snapshots', () => {
	const status = { state: 'running', show: { id: 'x', title: 'X', length: 100 }, time: 10, remaining: 90 }
	assert.equal(variables(status, 5).elapsed, '0:15')
	assert.equal(variables(status, 5).remaining, '1:25')
	assert.equal(variables({ ...status, state: 'paused' }, 5).elapsed, '0:10')
})

test('schedule hold and release, master volume, PANIC', async () => {
	await client.hold()
	await until(client, 'status', () => is.scheduleHeld(client.status), 5000, 'held')
	await client.release()
	await until(client, 'status', () => !is.scheduleHeld(client.status), 5000, 'released')
	await client.volume(-12, 0)
	await until(client, 'status', () => vars().volume === '-12', 5000, 'volume')
	await client.volume(0, 0)
	await client.load('film')
	await client.go()
	await state('running')
	await client.panic()
	await state('idle')
})

test('the self-check, and power refused for an operator with the reason', async () => {
	const result = await client.check()
	assert.equal(typeof result.ready, 'boolean')
	await until(client, 'status', () => client.status.check && client.status.check.at === result.at, 5000, 'check in status')
	assert.equal(is.checkNotReady(client.status), !result.ready)
	await assert.rejects(client.power(true), (err) => err.status === 403 && /operator 'companion-operator' may not do this/.test(err.message))
	await assert.rejects(client.load('nope'), (err) => err.status === 404 && /nope/.test(err.message))
	const admin = new ShowctlClient({ host: '127.0.0.1', port: venue.port, token: TOKENS.admin })
	const report = await admin.power(false)
	assert.equal(report.action, 'off')
	await until(client, 'status', () => (client.status.power.last || {}).by === 'web:companion-admin', 5000, 'power off in status')
})

test('a wrong token says so', async () => {
	const wrong = new ShowctlClient({ host: '127.0.0.1', port: venue.port, token: 'guess' })
	wrong.start()
	try {
		await until(wrong, 'connection', () => wrong.connection.state === 'bad_token', 5000, 'bad token')
		await assert.rejects(wrong.go(), (err) => err.status === 401)
	} finally {
		wrong.stop()
	}
})

test('the client reconnects by itself when the controller comes back', async () => {
	await stopController(proc)
	await until(client, 'connection', () => client.connection.state !== 'ok', 10000, 'loss seen')
	await assert.rejects(client.go(), (err) => err.status === 0 && /cannot reach/.test(err.message))
	proc = await startController(venue.venuePath)
	await until(client, 'connection', () => client.connection.state === 'ok', 20000, 'reconnected')
	await until(client, 'status', () => client.status.state === 'idle', 5000, 'status again')
	await client.load('film')
	await state('loaded')
})

test('the manifest names what Companion requires', () => {
	const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '../companion/manifest.json'), 'utf8'))
	const schema = require('@companion-module/base/assets/manifest.schema.json')
	for (const key of schema.required) assert.ok(key in manifest, key)
	for (const key of schema.properties.runtime.required) assert.ok(key in manifest.runtime, key)
	assert.ok(fs.existsSync(path.resolve(__dirname, '../companion', manifest.runtime.entrypoint)))
})
