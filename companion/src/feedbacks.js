'use strict'
const { combineRgb } = require('@companion-module/base')
const { is } = require('./state.js')

const RED = combineRgb(200, 0, 0)
const GREEN = combineRgb(0, 150, 0)
const AMBER = combineRgb(230, 140, 0)
const WHITE = combineRgb(255, 255, 255)
const BLACK = combineRgb(0, 0, 0)
const STATES = ['idle', 'loaded', 'prerolling', 'running', 'holding', 'paused', 'stopping']

function feedbacks(self) {
	const status = () => self.client && self.client.status
	const boolean = (name, style, options, check) => ({ type: 'boolean', name, defaultStyle: style, options, callback: (fb) => check(status(), fb.options || {}) })
	return {
		transport: boolean(
			'Transport state is…',
			{ bgcolor: GREEN, color: WHITE },
			[{ type: 'dropdown', id: 'state', label: 'State', default: 'running', choices: STATES.map((s) => ({ id: s, label: s })) }],
			(s, o) => is.transport(s, o.state)
		),
		holding: boolean('Holding at a GO', { bgcolor: AMBER, color: BLACK }, [], (s) => is.holdingAtGo(s)),
		device_offline: boolean(
			'A device is offline',
			{ bgcolor: RED, color: WHITE },
			[{ type: 'textinput', id: 'device', label: 'Device id (empty: any)', default: '' }],
			(s, o) => is.deviceOffline(s, (o.device || '').trim())
		),
		schedule_held: boolean('Schedule held', { bgcolor: AMBER, color: BLACK }, [], (s) => is.scheduleHeld(s)),
		warning: boolean('A schedule warning is pending', { bgcolor: AMBER, color: BLACK }, [], (s) => is.warningPending(s)),
		check_not_ready: boolean('Self-check not ready', { bgcolor: RED, color: WHITE }, [], (s) => is.checkNotReady(s)),
	}
}

module.exports = { feedbacks, RED, GREEN, AMBER, WHITE, BLACK }
