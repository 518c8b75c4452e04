'use strict'
/** Companion actions: each one API call of ShowctlClient; a refusal is logged with its reason. */

function actions(self) {
	const run = (what) => async (event) => {
		try {
			await what(event.options || {})
		} catch (err) {
			self.log('warn', `showctl refused: ${err.message}`)
		}
	}
	const c = () => self.client
	const text = (id, label, def = '') => ({ type: 'textinput', id, label, default: def, useVariables: true })
	const num = (id, label, def, min, max) => ({ type: 'number', id, label, default: def, min, max })
	const parse = async (options, id) => (await self.parseVariablesInString(String(options[id] ?? ''))).trim()
	return {
		load: { name: 'Load a show', options: [text('show', 'Show id')], callback: run(async (o) => c().load(await parse(o, 'show'))) },
		go: { name: 'GO', options: [], callback: run(() => c().go()) },
		pause: { name: 'Pause', options: [], callback: run(() => c().pause()) },
		resume: { name: 'Resume', options: [], callback: run(() => c().resume()) },
		stop: { name: 'Stop (with fade)', options: [num('fade', 'Fade (s; -1: the default)', -1, -1, 600)], callback: run((o) => c().stopShow(o.fade >= 0 ? o.fade : null)) },
		panic: { name: 'PANIC (black and safe look now)', options: [], callback: run(() => c().panic()) },
		seek: {
			name: 'Seek (seconds or cue id)',
			options: [text('to', 'Time in seconds, or cue:<id>')],
			callback: run(async (o) => {
				const to = await parse(o, 'to')
				return c().seek(/^\d+(\.\d+)?$/.test(to) ? Number(to) : to)
			}),
		},
		fire: { name: 'Fire a cue', options: [text('cue', 'Cue id')], callback: run(async (o) => c().fire(await parse(o, 'cue'))) },
		hold: { name: 'Hold the schedule', options: [], callback: run(() => c().hold()) },
		release: { name: 'Release the schedule', options: [], callback: run(() => c().release()) },
		volume: {
			name: 'Master volume',
			options: [num('db', 'Level (dB)', 0, -80, 12), num('fade', 'Fade (s)', 0, 0, 600)],
			callback: run((o) => c().volume(o.db, o.fade)),
		},
		check: { name: 'Run the self-check', options: [], callback: run(() => c().check()) },
		power_on: { name: 'Power the room on (admin)', options: [], callback: run(() => c().power(true)) },
		power_off: { name: 'Power the room off (admin)', options: [], callback: run(() => c().power(false)) },
	}
}

module.exports = { actions }
