import type { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type Docker from 'dockerode';
import { DatabaseError, errorText } from './errors.js';

// Running a Postgres tool inside a container through the Engine API (no docker
// CLI needed, no shell): `exec` in the database container, or a one-off
// container of a Postgres image on the database's network. The output stream
// is demultiplexed by hand so a slow disk pushes back on the engine instead of
// the whole dump piling up in memory.

export interface ProcessIo {
	/** Fed to the process's stdin, then stdin is closed (half-close of the attach socket). */
	stdin?: Readable;
	/** Receives stdout with backpressure and is ended after it; without it stdout is collected. */
	stdout?: Writable;
	signal?: AbortSignal;
}

export interface ProcessResult {
	/** -1 when the process was stopped before it reported an exit code. */
	exitCode: number;
	stdout: string;
	stderr: string;
	aborted: boolean;
	/** The output sink failed (e.g. the disk filled up); the process was cut off. */
	error?: Error;
}

const COLLECT_LIMIT = 64 * 1024 * 1024;

class Collector {
	private readonly chunks: Buffer[] = [];
	private size = 0;
	add(chunk: Buffer): void {
		if (this.size >= COLLECT_LIMIT) return;
		this.chunks.push(chunk);
		this.size += chunk.length;
	}
	text(): string {
		return Buffer.concat(this.chunks).toString('utf8');
	}
}

/** Write, waiting for 'drain' when the sink is full; a sink that failed or closed rejects instead of hanging. */
export async function writeWithBackpressure(sink: Writable, chunk: Buffer): Promise<void> {
	if (sink.errored) throw sink.errored;
	if (sink.destroyed) throw new Error('output closed');
	if (sink.write(chunk)) return;
	await new Promise<void>((resolve, reject) => {
		const done = (error?: Error | null) => {
			sink.off('drain', onDrain);
			sink.off('error', onError);
			sink.off('close', onClose);
			if (error) reject(error);
			else resolve();
		};
		const onDrain = () => done();
		const onError = (error: Error) => done(error);
		const onClose = () => done(sink.errored ?? new Error('output closed'));
		sink.on('drain', onDrain);
		sink.on('error', onError);
		sink.on('close', onClose);
	});
}

/** Split the engine's multiplexed stream (8-byte frame headers) into stdout and stderr. */
async function demux(source: Readable, onStdout: (chunk: Buffer) => Promise<void> | void, onStderr: (chunk: Buffer) => void): Promise<void> {
	let pending: Buffer = Buffer.alloc(0);
	for await (const chunk of source as AsyncIterable<Buffer>) {
		pending = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
		while (pending.length >= 8) {
			const size = pending.readUInt32BE(4);
			if (pending.length < 8 + size) break;
			const type = pending[0];
			const payload = pending.subarray(8, 8 + size);
			pending = pending.subarray(8 + size);
			if (type === 2) onStderr(payload);
			else await onStdout(payload);
		}
	}
}

/**
 * Pump the process's streams: stdin in (ending it closes the process's stdin),
 * stdout and stderr out. Resolves when the engine closes the stream; a failing
 * output sink ends the stream and comes back as `error`.
 */
async function pump(stream: NodeJS.ReadWriteStream & Readable, io: ProcessIo): Promise<{ stdout: string; stderr: string; aborted: boolean; error?: Error }> {
	const out = new Collector();
	const err = new Collector();
	let aborted = false;
	let failure: Error | undefined;
	const onAbort = () => {
		aborted = true;
		stream.destroy();
	};
	if (io.signal?.aborted) onAbort();
	io.signal?.addEventListener('abort', onAbort, { once: true });
	if (io.stdin) {
		// A process that stops reading early (pg_restore --list reads only the
		// table of contents) closes the socket under us: that is not an error.
		io.stdin.on('error', () => undefined);
		(stream as unknown as Writable).on('error', () => undefined);
		io.stdin.pipe(stream as unknown as Writable);
		stream.once('close', () => io.stdin?.unpipe());
	}
	try {
		await demux(
			stream,
			io.stdout ? (chunk) => writeWithBackpressure(io.stdout!, chunk) : (chunk) => out.add(chunk),
			(chunk) => err.add(chunk),
		);
	} catch (error) {
		if (!aborted) failure = error instanceof Error ? error : new Error(String(error));
		stream.destroy();
	} finally {
		io.signal?.removeEventListener('abort', onAbort);
		io.stdin?.destroy();
	}
	if (io.stdout) {
		if (aborted || failure) io.stdout.destroy();
		else {
			io.stdout.end();
			await finished(io.stdout).catch((error: Error) => {
				failure = error;
			});
		}
	}
	return { stdout: out.text(), stderr: err.text(), aborted, error: failure };
}

function engineError(error: unknown, what: string, missingKind: 'unreachable' | 'no-pg-dump' = 'unreachable'): DatabaseError {
	const status = (error as { statusCode?: number }).statusCode;
	const json = (error as { json?: { message?: string } }).json;
	const message = json?.message ?? errorText(error);
	if (status === 404) return new DatabaseError(missingKind, `${what}: no such container or image (${message})`);
	if (status === 409) return new DatabaseError('unreachable', `${what}: the container is not running (${message})`);
	return new DatabaseError('unreachable', `${what}: ${message}`);
}

export async function execInContainer(docker: Docker, container: string, cmd: string[], env: string[], io: ProcessIo = {}): Promise<ProcessResult> {
	let exec: Docker.Exec;
	let stream: NodeJS.ReadWriteStream & Readable;
	try {
		exec = await docker.getContainer(container).exec({
			Cmd: cmd,
			Env: env,
			AttachStdin: Boolean(io.stdin),
			AttachStdout: true,
			AttachStderr: true,
			Tty: false,
		});
		stream = (await exec.start({ hijack: true, stdin: Boolean(io.stdin) })) as unknown as NodeJS.ReadWriteStream & Readable;
	} catch (error) {
		throw engineError(error, `cannot run ${cmd[0]} in container ${container}`);
	}
	const { stdout, stderr, aborted, error } = await pump(stream, io);
	if (error) return { exitCode: -1, stdout, stderr, aborted, error };
	// The stream can close a moment before the engine records the exit code.
	for (let attempt = 0; attempt < 50; attempt++) {
		const state = await exec.inspect().catch(() => undefined);
		if (!state) break;
		if (!state.Running) return { exitCode: state.ExitCode ?? -1, stdout, stderr, aborted };
		if (aborted) break;
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	return { exitCode: -1, stdout, stderr, aborted };
}

export interface OneOff {
	image: string;
	network?: string;
	labels?: Record<string, string>;
}

/** A throwaway container of a Postgres image that runs one tool and is removed. */
export async function runOneOff(docker: Docker, spec: OneOff, cmd: string[], env: string[], io: ProcessIo = {}): Promise<ProcessResult> {
	let container: Docker.Container;
	let stream: NodeJS.ReadWriteStream & Readable;
	try {
		container = await docker.createContainer({
			Image: spec.image,
			// The tool itself, not the image's entrypoint script (which would start a server).
			Entrypoint: [cmd[0]!],
			Cmd: cmd.slice(1),
			Env: env,
			Labels: { 'io.upgrade-wizard.pg-tool': '1', ...spec.labels },
			AttachStdin: Boolean(io.stdin),
			AttachStdout: true,
			AttachStderr: true,
			OpenStdin: Boolean(io.stdin),
			StdinOnce: Boolean(io.stdin),
			Tty: false,
			HostConfig: { NetworkMode: spec.network ?? 'bridge', AutoRemove: false },
		});
	} catch (error) {
		// No such image: there is no way to run the tool, as with a missing pg_dump.
		throw engineError(error, `cannot create a ${spec.image} container for ${cmd[0]}`, 'no-pg-dump');
	}
	try {
		stream = (await container.attach({ stream: true, stdin: Boolean(io.stdin), stdout: true, stderr: true, hijack: true })) as unknown as NodeJS.ReadWriteStream & Readable;
		await container.start();
	} catch (error) {
		await container.remove({ force: true }).catch(() => undefined);
		throw engineError(error, `cannot start a ${spec.image} container for ${cmd[0]}`);
	}
	try {
		const { stdout, stderr, aborted, error } = await pump(stream, io);
		if (aborted || error) return { exitCode: -1, stdout, stderr, aborted, error };
		const { StatusCode } = (await container.wait()) as { StatusCode: number };
		return { exitCode: StatusCode, stdout, stderr, aborted };
	} finally {
		await container.remove({ force: true }).catch(() => undefined);
	}
}
