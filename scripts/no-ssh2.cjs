// Stands in for ssh2 in the bundle. docker-modem requires ssh2 when it loads (for
// its own ssh transport), so leaving it external would make the installed
// package, which has no node_modules of its own, fail to start. The wizard
// reaches ssh:// engines through the system's ssh and `docker system
// dial-stdio` (source/docker/ssh-dial.ts), never through docker-modem's
// transport; this is only the last word if something reached it anyway.
class Client {
	constructor() {
		throw new Error("docker-modem's ssh2 transport is not bundled: ssh:// engines go through the system's ssh (source/docker/ssh-dial.ts)");
	}
}
module.exports = { Client };
