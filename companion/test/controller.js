'use strict'
/**
 * A real `showctl run` for the module's tests: a throwaway venue on free loopback ports
 * (web, OSC, devices), simulated screens and lighting (the audio device is left without
 * a simulator: offline), an operator and an admin API token. SHOWCTL names the program
 * (default: the repository's .venv/bin/showctl).
 */
const { spawn } = require('node:child_process')
const crypto = require('node:crypto')
const fs = require('node:fs')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')

const SHOWCTL = process.env.SHOWCTL || path.resolve(__dirname, '../../.venv/bin/showctl')
const TOKENS = { operator: 'companion-operator-6b1f', admin: 'companion-admin-93d0', viewer: 'companion-viewer-2c7e' }

async function freePort() {
	// one port free for TCP and UDP (the OSC input takes both)
	for (let i = 0; i < 50; i++) {
		const port = 20000 + Math.floor(Math.random() * 20000)
		const ok = await new Promise((resolve) => {
			const s = net.createServer()
			s.once('error', () => resolve(false))
			s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
		})
		if (ok && !freePort.used.has(port)) {
			freePort.used.add(port)
			return port
		}
	}
	throw new Error('no free port')
}
freePort.used = new Set()

const sha256 = (text) => crypto.createHash('sha256').update(text).digest('hex')

async function writeVenue() {
	const root = fs.mkdtempSync(path.join(os.tmpdir(), 'showctl-companion-'))
	fs.mkdirSync(path.join(root, 'config'))
	fs.mkdirSync(path.join(root, 'shows'))
	const web = await freePort()
	const devices = []
	for (let i = 1; i <= 2; i++) {
		devices.push({ id: `screen${i}`, kind: 'screen', index: i, host: '127.0.0.1', port: await freePort() })
	}
	devices.push({ id: 'lights', kind: 'lighting', host: '127.0.0.1', port: await freePort() })
	devices.push({ id: 'sound', kind: 'audio', host: '127.0.0.1', port: await freePort() })
	const venue = {
		venue: 'companion-test',
		timezone: 'Europe/Paris',
		state_dir: path.join(root, 'var'),
		osc: { listen: `127.0.0.1:${await freePort()}`, heartbeat_timeout: 3 },
		web: {
			listen: `127.0.0.1:${web}`,
			tokens: Object.entries(TOKENS).map(([role, token]) => ({ name: `companion-${role}`, role, token_hash: sha256(token) })),
		},
		devices,
	}
	const film = {
		id: 'film',
		title: 'The film',
		preroll: 0.2,
		cues: [
			{ id: '1', at: 0, name: 'Opening', screens: 'all', play: { media: 'open_{screen}.mp4' } },
			{ id: '2', at: 2, name: 'Pause here', hold: true, screens: 'all', play: { media: 'mid_{screen}.mp4' } },
			{ id: '3', at: 300, name: 'Ending', screens: 'all', black: { fade: 1 } },
		],
	}
	// JSON is YAML: no YAML writer needed here
	fs.writeFileSync(path.join(root, 'config', 'venue.yaml'), JSON.stringify(venue, null, 1))
	fs.writeFileSync(path.join(root, 'config', 'schedule.yaml'), JSON.stringify({ shows: [] }))
	fs.writeFileSync(path.join(root, 'shows', 'film.yaml'), JSON.stringify(film, null, 1))
	return { root, venuePath: path.join(root, 'config', 'venue.yaml'), port: web }
}

/** Starts `showctl run --simulate=screen,lighting`; resolves once it says `ready:`. */
function startController(venuePath) {
	return new Promise((resolve, reject) => {
		const proc = spawn(SHOWCTL, ['run', '--simulate=screen,lighting', '--config', venuePath], {
			stdio: ['ignore', 'ignore', 'pipe'],
		})
		let output = ''
		const timer = setTimeout(() => reject(new Error(`showctl not ready in 30 s:\n${output}`)), 30000)
		proc.stderr.on('data', (chunk) => {
			output += chunk
			if (/\bready: /.test(output) && !proc.ready) {
				proc.ready = true
				clearTimeout(timer)
				resolve(proc)
			}
		})
		proc.once('exit', (code) => {
			if (!proc.ready) {
				clearTimeout(timer)
				reject(new Error(`showctl exited ${code}:\n${output}`))
			}
		})
	})
}

function stopController(proc, signal = 'SIGTERM') {
	return new Promise((resolve) => {
		if (proc.exitCode !== null || proc.signalCode !== null) return resolve()
		proc.once('exit', () => resolve())
		proc.kill(signal)
	})
}

/** Resolves when `check()` holds after an event of `emitter` (never a fixed sleep). */
function until(emitter, events, check, timeout = 10000, what = 'condition') {
	return new Promise((resolve, reject) => {
		if (check()) return resolve()
		const names = [].concat(events)
		const on = () => {
			if (check()) done(null)
		}
		const timer = setTimeout(() => done(new Error(`timed out waiting for ${what}`)), timeout)
		const done = (err) => {
			clearTimeout(timer)
			names.forEach((n) => emitter.off(n, on))
			err ? reject(err) : resolve()
		}
		names.forEach((n) => emitter.on(n, on))
	})
}

module.exports = { SHOWCTL, TOKENS, writeVenue, startController, stopController, until }
