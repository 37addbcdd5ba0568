import { realpathSync } from 'node:fs';
import type { EngineTarget, Transport } from './engine-resolve.js';

// When two --host/--context name the same engine. Engines are told apart by
// where they are reached, never by what they say of themselves: two daemons
// started from one config report the same engine ID, and every engine of a
// host reports the same hostname (issue 13). So the identity is the transport,
// spelled one way: a socket by its real path (/var/run is a link to /run on
// most distributions), tcp and ssh by host and port with the defaults filled
// in. Two spellings of one endpoint, or a context pointing where a --host
// points, are then one engine with one name: the first one given.

const SSH_PORT = 22;

function realSocket(path: string): string {
	try {
		return realpathSync(path);
	} catch {
		// Not there (yet): the spelling is all there is to compare.
		return path;
	}
}

/** One string per engine, however it was named; equal strings are the same engine. */
export function engineIdentity(transport: Transport): string {
	if (transport.kind === 'socket') return `unix://${realSocket(transport.path)}`;
	const host = transport.host.toLowerCase();
	if (transport.kind === 'tcp') return `tcp://${host}:${transport.port}`;
	return `ssh://${transport.user ?? ''}@${host}:${transport.port ?? SSH_PORT}`;
}

/** The targets in order, each engine once: the first name given for it wins. */
export function distinctEngines(targets: readonly EngineTarget[]): EngineTarget[] {
	const seen = new Set<string>();
	return targets.filter((target) => {
		const identity = engineIdentity(target.transport);
		if (seen.has(identity)) return false;
		seen.add(identity);
		return true;
	});
}
