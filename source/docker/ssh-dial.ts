import { Agent } from 'node:http';
import { Duplex } from 'node:stream';
import { execa, type ResultPromise } from 'execa';
import { oneLine } from '../core/errors.js';

// ssh:// engines the way the docker CLI reaches them (cli/connhelper): run
// `ssh [-l user] [-p port] -- host docker system dial-stdio` and speak HTTP over
// the child's stdin/stdout. The user's ssh (config, agent, known_hosts, jump
// hosts) does the authentication; nothing of it passes through the wizard, and
// the bundle needs no ssh2. One child per connection, a bounded number at a
// time, each killed when its connection closes.

/** sshd's MaxStartups begins dropping unauthenticated connections past 10. */
const MAX_CONNECTIONS = 4;
const STDERR_KEEP = 2_000;

export interface SshEndpoint {
	host: string;
	user?: string;
	port?: number;
}

/** The ssh command line: options before `--`, so a host can never be read as one. */
export function sshArgs(endpoint: SshEndpoint): string[] {
	const args = ['-T', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=30'];
	// BatchMode: a password or host-key prompt would fight the wizard's screens
	// for the terminal; ssh fails in one line instead (use keys or an agent).
	if (endpoint.user) args.push('-l', endpoint.user);
	if (endpoint.port) args.push('-p', String(endpoint.port));
	args.push('--', endpoint.host, 'docker', 'system', 'dial-stdio');
	return args;
}

type Child = ResultPromise<{ stdin: 'pipe'; stdout: 'pipe'; stderr: 'pipe'; buffer: false; reject: false }>;

/** A socket-like Duplex over one ssh child's stdio. */
class DialStdio extends Duplex {
	private stderr = '';
	private received = false;

	constructor(private readonly child: Child, private readonly what: string) {
		super();
		child.stdin.on('error', () => undefined);
		child.stderr.on('data', (chunk: Buffer) => {
			this.stderr = (this.stderr + chunk.toString('utf8')).slice(-STDERR_KEEP);
		});
		child.stdout.on('data', (chunk: Buffer) => {
			this.received = true;
			if (!this.push(chunk)) child.stdout.pause();
		});
		// Before the engine said anything, the end waits for ssh's exit: that says why.
		child.stdout.on('end', () => {
			if (this.received) this.push(null);
		});
		void child.then((result) => {
			if (this.received || this.destroyed) return;
			if (result.exitCode === 0 && !result.failed) {
				this.push(null);
				return;
			}
			const said = oneLine(this.stderr).slice(-300) || result.shortMessage;
			this.destroy(Object.assign(new Error(`${this.what}: ${said}`), { code: 'ESSHDIAL' }));
		});
	}

	override _read(): void {
		this.child.stdout.resume();
	}

	override _write(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
		// A pipe broken before the engine answered is ssh failing: its exit (above) says why.
		this.child.stdin.write(chunk, encoding, (error) => callback(error && this.received ? error : null));
	}

	override _final(callback: (error?: Error | null) => void): void {
		this.child.stdin.end();
		callback();
	}

	override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
		this.child.kill();
		callback(error);
	}

	// What node's http client asks of a net.Socket; a pipe has no such knobs.
	setTimeout(): this {
		return this;
	}
	setNoDelay(): this {
		return this;
	}
	setKeepAlive(): this {
		return this;
	}
	ref(): this {
		return this;
	}
	unref(): this {
		return this;
	}
}

/** An http.Agent whose every connection is a fresh `ssh ... docker system dial-stdio`. */
export class SshDialAgent extends Agent {
	readonly args: string[];

	constructor(endpoint: SshEndpoint, private readonly command = 'ssh') {
		super({ keepAlive: false, maxSockets: MAX_CONNECTIONS });
		this.args = sshArgs(endpoint);
	}

	override createConnection(): Duplex {
		const child = execa(this.command, this.args, { stdin: 'pipe', stdout: 'pipe', stderr: 'pipe', buffer: false, reject: false });
		return new DialStdio(child, `ssh ${this.args.slice(this.args.indexOf('--') + 1, -3).join(' ')}`);
	}
}
