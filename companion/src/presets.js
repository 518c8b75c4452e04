'use strict'
/** A ready-made page (docs/companion.md draws it): the transport row, the show's clock, the room. */
const { combineRgb } = require('@companion-module/base')
const { RED, GREEN, AMBER, WHITE, BLACK } = require('./feedbacks.js')

const GREY = combineRgb(40, 40, 40)

function button(category, text, action, options = {}, feedbacks = [], bgcolor = GREY) {
	return {
		type: 'button',
		category,
		name: text.replace(/\\n/g, ' '),
		style: { text, size: 'auto', color: WHITE, bgcolor },
		steps: action ? [{ down: [{ actionId: action, options }], up: [] }] : [{ down: [], up: [] }],
		feedbacks,
	}
}

const when = (feedbackId, options, style) => ({ feedbackId, options, style })

function presets() {
	return {
		go: button('Transport', 'GO', 'go', {}, [
			when('transport', { state: 'running' }, { bgcolor: GREEN }),
			when('holding', {}, { bgcolor: AMBER, color: BLACK, text: 'GO\\n(holding)' }),
		]),
		pause: button('Transport', 'PAUSE', 'pause', {}, [when('transport', { state: 'paused' }, { bgcolor: AMBER, color: BLACK })]),
		resume: button('Transport', 'RESUME', 'resume'),
		stop: button('Transport', 'STOP\\n3 s', 'stop', { fade: 3 }),
		panic: button('Transport', 'PANIC', 'panic', {}, [], RED),
		show: button('Show', '$(showctl:show_title)\\n$(showctl:state)', null, {}, [when('transport', { state: 'running' }, { bgcolor: GREEN })]),
		cue: button('Show', 'Cue $(showctl:cue)\\n$(showctl:cue_name)', null),
		next: button('Show', 'Next $(showctl:next_cue)\\n$(showctl:next_cue_name)', null),
		elapsed: button('Show', '$(showctl:elapsed)\\n-$(showctl:remaining)', null),
		next_start: button('Schedule', 'Next\\n$(showctl:next_start_time)\\n$(showctl:next_start_show)', null, {}, [
			when('warning', {}, { bgcolor: AMBER, color: BLACK }),
		]),
		hold: button('Schedule', 'HOLD\\nschedule', 'hold', {}, [when('schedule_held', {}, { bgcolor: AMBER, color: BLACK })]),
		release: button('Schedule', 'RELEASE\\nschedule', 'release'),
		devices: button('Room', 'Devices\\n$(showctl:devices_online)/$(showctl:devices_total)', null, {}, [
			when('device_offline', { device: '' }, { bgcolor: RED }),
		]),
		check: button('Room', 'CHECK', 'check', {}, [when('check_not_ready', {}, { bgcolor: RED })]),
		power_on: button('Room', 'POWER\\nON', 'power_on'),
		power_off: button('Room', 'POWER\\nOFF', 'power_off'),
	}
}

module.exports = { presets }
