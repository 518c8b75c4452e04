'use strict'
/**
 * The Companion instance: wraps ShowctlClient (src/client.js, tested without Companion)
 * with Companion's config, connection status, actions, feedbacks, variables and presets.
 */
const { InstanceBase, InstanceStatus, Regex, runEntrypoint } = require('@companion-module/base')
const { ShowctlClient } = require('./client.js')
const { actions } = require('./actions.js')
const { feedbacks } = require('./feedbacks.js')
const { presets } = require('./presets.js')
const { VARIABLES, variables } = require('./state.js')

const STATUS = {
	ok: InstanceStatus.Ok,
	connecting: InstanceStatus.Connecting,
	disconnected: InstanceStatus.Disconnected,
	bad_token: InstanceStatus.AuthenticationFailure,
	error: InstanceStatus.ConnectionFailure,
}

class ShowctlInstance extends InstanceBase {
	async init(config) {
		this.setActionDefinitions(actions(this))
		this.setFeedbackDefinitions(feedbacks(this))
		this.setVariableDefinitions(VARIABLES)
		this.setPresetDefinitions(presets())
		await this.configUpdated(config)
	}

	async configUpdated(config) {
		this.config = config
		if (this.client) this.client.stop()
		if (!config.host || !config.token) {
			this.updateStatus(InstanceStatus.BadConfig, 'host and token are needed')
			return
		}
		this.client = new ShowctlClient({ host: config.host, port: config.port || 8080, token: config.token })
		this.client.on('connection', ({ state, message }) => {
			const words = state === 'bad_token' ? 'token refused (check web.tokens)' : message
			this.updateStatus(STATUS[state] ?? InstanceStatus.UnknownError, words || null)
		})
		this.client.on('status', (status) => {
			this.setVariableValues(variables(status))
			this.checkFeedbacks()
		})
		clearInterval(this.ticker)
		this.ticker = setInterval(() => {
			const c = this.client
			if (c && c.status && c.status.state === 'running') {
				this.setVariableValues(variables(c.status, Date.now() / 1000 - c.receivedAt))
			}
		}, 1000)
		this.client.start()
	}

	async destroy() {
		clearInterval(this.ticker)
		if (this.client) this.client.stop()
	}

	getConfigFields() {
		return [
			{ type: 'textinput', id: 'host', label: 'showctl host', width: 8, default: '127.0.0.1', regex: Regex.HOSTNAME },
			{ type: 'number', id: 'port', label: 'Dashboard port (web.listen)', width: 4, default: 8080, min: 1, max: 65535 },
			{ type: 'secret-text', id: 'token', label: 'API token (an operator token of web.tokens; admin for power)', width: 12, default: '' },
		]
	}
}

runEntrypoint(ShowctlInstance, [])
