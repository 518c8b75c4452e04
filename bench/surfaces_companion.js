'use strict'
// bench/surfaces.py's Companion: the module's own client on /ws, asking /api/status
// every 250 ms too, until stdin closes; prints how many snapshots and answers it had.
const { ShowctlClient } = require('../companion/src/client.js')
const [host, port, token] = process.argv.slice(2)
const client = new ShowctlClient({ host, port: Number(port), token })
let snapshots = 0
let answers = 0
client.on('status', () => snapshots++)
client.on('connection', ({ state }) => state === 'ok' && console.log('ready'))
client.start()
const poll = setInterval(() => client.request('GET', '/api/status').then(() => answers++, () => {}), 250)
process.stdin.resume()
process.stdin.on('end', () => {
	clearInterval(poll)
	client.stop()
	console.log(JSON.stringify({ snapshots, answers }))
	process.exit(0)
})
