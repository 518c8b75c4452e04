'use strict'
/** Variables and feedbacks as pure functions of the controller's status() (docs/architecture.md). */

function clock(seconds) {
	if (seconds == null || !Number.isFinite(seconds)) return ''
	const s = Math.max(0, Math.floor(seconds))
	const h = Math.floor(s / 3600)
	const m = Math.floor((s % 3600) / 60)
	const pad = (n) => String(n).padStart(2, '0')
	return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`
}

/** The next start's time of day as the venue reads it (`14:30`), from its ISO instant. */
function timeOfDay(iso) {
	if (!iso) return ''
	const match = /T(\d\d:\d\d)/.exec(iso)
	return match ? match[1] : ''
}

const VARIABLES = [
	{ variableId: 'state', name: 'Transport state' },
	{ variableId: 'show', name: 'Show id' },
	{ variableId: 'show_title', name: 'Show title' },
	{ variableId: 'cue', name: 'Current cue id' },
	{ variableId: 'cue_name', name: 'Current cue name' },
	{ variableId: 'next_cue', name: 'Next cue id' },
	{ variableId: 'next_cue_name', name: 'Next cue name' },
	{ variableId: 'elapsed', name: 'Elapsed (m:ss)' },
	{ variableId: 'remaining', name: 'Remaining (m:ss)' },
	{ variableId: 'next_start_show', name: 'Next scheduled show' },
	{ variableId: 'next_start_time', name: 'Next start time (HH:MM)' },
	{ variableId: 'next_start', name: 'Next start (ISO)' },
	{ variableId: 'devices_online', name: 'Devices online' },
	{ variableId: 'devices_total', name: 'Devices in the venue' },
	{ variableId: 'volume', name: 'Master volume (dB)' },
]

/**
 * `since`: seconds since the snapshot came. The feed sends a snapshot per batch of events,
 * not per second, so a running show's clock runs on here between them (a 1 s tick).
 */
function variables(status, since = 0) {
	if (!status) return Object.fromEntries(VARIABLES.map((v) => [v.variableId, '']))
	const ahead = status.state === 'running' ? Math.max(0, since) : 0
	const length = status.show ? status.show.length : null
	const time = (status.time || 0) + ahead
	const show = status.show || {}
	const cue = status.current_cue || {}
	const next = status.next_cue || {}
	const start = (status.schedule && status.schedule.next) || {}
	const devices = status.devices || []
	return {
		state: status.state || '',
		show: show.id || '',
		show_title: show.title || '',
		cue: cue.id || '',
		cue_name: cue.name || '',
		next_cue: next.id || '',
		next_cue_name: next.name || '',
		elapsed: status.show ? clock(Math.max(0, time)) : '',
		remaining: status.remaining == null ? '' : clock(Math.max(0, Math.min(status.remaining, length - time))),
		next_start_show: start.show || '',
		next_start_time: timeOfDay(start.at),
		next_start: start.at || '',
		devices_online: String(devices.filter((d) => d.online).length),
		devices_total: String(devices.length),
		volume: status.volume && status.volume.db != null ? String(status.volume.db) : '',
	}
}

const is = {
	transport: (status, state) => !!status && status.state === state,
	holdingAtGo: (status) => !!status && status.state === 'holding',
	deviceOffline: (status, device) =>
		!!status && (status.devices || []).some((d) => !d.online && (!device || d.id === device)),
	scheduleHeld: (status) => !!status && !!(status.schedule && status.schedule.held),
	warningPending: (status) => !!status && !!(status.schedule && status.schedule.next && status.schedule.next.warning),
	checkNotReady: (status) => !!status && !!status.check && !status.check.ready,
}

module.exports = { VARIABLES, variables, is, clock, timeOfDay }
