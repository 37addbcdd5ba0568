// Stands in for ssh2 in the bundle. docker-modem requires ssh2 when it loads (for
// DOCKER_HOST=ssh://), so leaving it external would make the installed package,
// which has no node_modules of its own, fail to start. connectEngine refuses
// ssh:// first; this is only the last word if something reached the transport.
class Client {
	constructor() {
		throw new Error('ssh:// engines are not supported: forward the engine socket and use DOCKER_HOST=unix://...');
	}
}
module.exports = { Client };
