import type Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import { createInterface } from 'node:readline';

// Container logs as lines. Without a TTY the engine multiplexes stdout and
// stderr into frames with an 8-byte header; with a TTY the stream is raw.

/** Follow a container's logs from now on; returns a function that stops following. */
export async function followLogs(docker: Docker, id: string, onLine: (line: string) => void, tty = false): Promise<() => void> {
	const container = docker.getContainer(id);
	const stream = (await container.logs({ follow: true, stdout: true, stderr: true })) as NodeJS.ReadableStream & { destroy(): void };
	const lines = new PassThrough();
	if (tty) stream.pipe(lines);
	else docker.modem.demuxStream(stream, lines, lines);
	stream.on('end', () => lines.end());
	stream.on('error', () => lines.end());
	const reader = createInterface({ input: lines, crlfDelay: Infinity });
	reader.on('line', (line) => onLine(line));
	return () => {
		reader.close();
		stream.destroy();
		lines.end();
	};
}

/** Split a non-followed, multiplexed log buffer into its payload text. */
export function demuxBuffer(buffer: Buffer): string {
	const parts: Buffer[] = [];
	let offset = 0;
	while (offset + 8 <= buffer.length) {
		const kind = buffer[offset];
		const size = buffer.readUInt32BE(offset + 4);
		if (kind === undefined || kind > 2 || offset + 8 + size > buffer.length) {
			// Not a multiplexed stream (TTY container): the buffer is the text.
			return buffer.toString('utf8');
		}
		parts.push(buffer.subarray(offset + 8, offset + 8 + size));
		offset += 8 + size;
	}
	return Buffer.concat(parts).toString('utf8');
}

/** The last lines a container wrote, for failure reports. */
export async function logTail(docker: Docker, id: string, lines = 20): Promise<string[]> {
	try {
		const output = (await docker.getContainer(id).logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
		const text = Buffer.isBuffer(output) ? demuxBuffer(output) : String(output);
		return text.split('\n').filter((line) => line.length > 0).slice(-lines);
	} catch {
		return [];
	}
}

export interface FollowedTail {
	stop(): void;
	/** The last lines followed, or, when none arrived, the engine's own tail (for failure reports). */
	lines(): Promise<string[]>;
}

/** Follow a container's logs, passing each line on and keeping the last `keep`; a stream that cannot be opened follows nothing. */
export async function followTail(docker: Docker, id: string, keep: number, onLine: (line: string) => void): Promise<FollowedTail> {
	const tail: string[] = [];
	const stop = await followLogs(docker, id, (line) => {
		tail.push(line);
		if (tail.length > keep) tail.shift();
		onLine(line);
	}).catch(() => () => undefined);
	return { stop, lines: async () => (tail.length > 0 ? [...tail] : logTail(docker, id, keep)) };
}
