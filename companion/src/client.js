'use strict'
/**
 * ShowctlClient: the controller's HTTP API (commands) and its /ws live feed (state), with
 * a bearer token (docs/dashboard.md "Users, roles and tokens"). Nothing of Companion here,
 * so the tests drive it against a real `showctl run` without a Companion host.
 *
 * Why HTTP + WebSocket rather than OSC/TCP: the feed already carries the whole status()
 * (every variable and feedback at once, coalesced by the server per client), the token
 * gives the dashboard's roles (viewer/operator/admin) with no second credential, and every
 * refusal comes back as JSON with its reason.
 */
const { EventEmitter } = require('node:events')
const WebSocket = require('ws')

const BACKOFF_MIN = 500 // ms
const BACKOFF_MAX = 15000

class CommandError extends Error {
	constructor(message, status) {
		super(message)
		this.status = status
	}
}

class ShowctlClient extends EventEmitter {
	/** @param {{host: string, port: number, token: string, timeout?: number}} options */
	constructor(options) {
		super()
		this.host = options.host
		this.port = Number(options.port)
		this.token = options.token
		this.timeout = options.timeout ?? 10000
		this.status = null // the latest status() snapshot from the feed
		this.receivedAt = 0 // when it came (s): the clock runs on between snapshots
		this.connection = { state: 'disconnected', message: '' }
		this._ws = null
		this._stopped = true
		this._timer = null
		this._backoff = BACKOFF_MIN
	}

	get base() {
		return `http://${this.host}:${this.port}`
	}

	start() {
		this._stopped = false
		this._connect()
	}

	stop() {
		this._stopped = true
		clearTimeout(this._timer)
		if (this._ws) {
			this._ws.removeAllListeners()
			this._ws.on('error', () => {})
			this._ws.terminate()
			this._ws = null
		}
		this._setConnection('disconnected', 'stopped')
	}

	_setConnection(state, message = '') {
		if (this.connection.state === state && this.connection.message === message) return
		this.connection = { state, message }
		this.emit('connection', this.connection)
	}

	_connect() {
		if (this._stopped) return
		this._setConnection('connecting', `${this.host}:${this.port}`)
		const ws = new WebSocket(`ws://${this.host}:${this.port}/ws`, {
			headers: { Authorization: `Bearer ${this.token}` },
			handshakeTimeout: this.timeout,
		})
		this._ws = ws
		ws.on('open', () => {
			this._backoff = BACKOFF_MIN
			this._setConnection('ok', '')
		})
		ws.on('unexpected-response', (req, res) => {
			// 401: the token is wrong; retrying will not fix it, but the operator may
			// fix the token in the controller's venue, so keep trying, slowly
			const bad = res.statusCode === 401 || res.statusCode === 403
			this._setConnection(bad ? 'bad_token' : 'error', `HTTP ${res.statusCode}`)
			if (bad) this._backoff = BACKOFF_MAX
			res.resume()
			ws.terminate()
		})
		ws.on('message', (data) => this._onMessage(data))
		ws.on('error', (err) => {
			if (this.connection.state !== 'bad_token') this._setConnection('error', err.message)
		})
		ws.on('close', () => {
			if (this._ws === ws) this._ws = null
			if (this._stopped) return
			if (this.connection.state === 'ok') this._setConnection('disconnected', 'connection lost')
			this._timer = setTimeout(() => this._connect(), this._backoff * (0.8 + Math.random() * 0.4))
			this._backoff = Math.min(BACKOFF_MAX, this._backoff * 2)
		})
	}

	_onMessage(data) {
		let message
		try {
			message = JSON.parse(String(data))
		} catch {
			return
		}
		if (message.type === 'status') {
			this.status = message.data
			this.receivedAt = Date.now() / 1000
			this.emit('status', this.status)
		} else if (message.type === 'event') {
			this.emit('event', message)
		}
	}

	/** One API call; resolves with the JSON, rejects with CommandError(reason). */
	async request(method, path, body) {
		const controller = new AbortController()
		const timer = setTimeout(() => controller.abort(), this.timeout)
		let res
		try {
			res = await fetch(this.base + path, {
				method,
				headers: {
					Authorization: `Bearer ${this.token}`,
					...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
				},
				body: body === undefined ? undefined : JSON.stringify(body),
				signal: controller.signal,
			})
		} catch (err) {
			throw new CommandError(`cannot reach showctl at ${this.host}:${this.port}: ${err.cause?.code ?? err.message}`, 0)
		} finally {
			clearTimeout(timer)
		}
		let data = null
		try {
			data = await res.json()
		} catch {
			data = null
		}
		if (!res.ok) {
			throw new CommandError((data && data.error) || `HTTP ${res.status}`, res.status)
		}
		return data
	}

	load(show) {
		return this.request('POST', '/api/load', { show })
	}
	transport(action, fade) {
		return this.request('POST', `/api/transport/${action}`, action === 'stop' && fade != null ? { fade } : undefined)
	}
	go() {
		return this.transport('go')
	}
	pause() {
		return this.transport('pause')
	}
	resume() {
		return this.transport('resume')
	}
	stopShow(fade) {
		return this.transport('stop', fade)
	}
	panic() {
		return this.transport('panic')
	}
	seek(to) {
		return this.request('POST', '/api/seek', { to })
	}
	fire(cue) {
		return this.request('POST', `/api/cues/${encodeURIComponent(cue)}/fire`)
	}
	hold() {
		return this.request('POST', '/api/schedule/hold')
	}
	release() {
		return this.request('POST', '/api/schedule/release')
	}
	volume(db, fade = 0) {
		return this.request('POST', '/api/volume', { db, fade })
	}
	check() {
		return this.request('POST', '/api/check')
	}
	power(on) {
		return this.request('POST', `/api/power/${on ? 'on' : 'off'}`)
	}
	shows() {
		return this.request('GET', '/api/shows')
	}
}

module.exports = { ShowctlClient, CommandError }
