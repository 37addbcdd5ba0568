import type Docker from 'dockerode';
import type { ContainerInspectInfo } from 'dockerode';
import { open } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import type { FileRead } from '../profiles/database-location.js';
import { tarExtract } from './tar-extract.js';

// One small file inside a container (an app's config file), read the cheapest
// way that works: through the bind mount or local volume it lives on, straight
// from this host's disk; else from the container's filesystem over the Engine
// API (GET /containers/{id}/archive: a tar of that one file), which also
// serves a remote engine, a volume this user cannot read, or a file baked into
// the image. Bounded in size and time: a config file is not a data set.

export const MAX_CONFIG_BYTES = 1024 * 1024;
const ARCHIVE_TIMEOUT_MS = 15_000;

export interface ContainerFileOptions {
	maxBytes?: number;
	timeoutMs?: number;
}

interface MountInfo {
	Type?: string;
	Name?: string;
	Source?: string;
	Destination?: string;
}

export class ContainerFileError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'ContainerFileError';
	}
}

/** The mount `path` lives on (the longest Destination that is a prefix of it), and the rest of the path below it. */
export function mountOf(path: string, mounts: readonly MountInfo[] | undefined): { mount: MountInfo; rest: string } | undefined {
	const wanted = posix.normalize(path);
	let best: { mount: MountInfo; rest: string; length: number } | undefined;
	for (const mount of mounts ?? []) {
		if (!mount.Destination) continue;
		const destination = posix.normalize(mount.Destination).replace(/\/+$/, '') || '/';
		const inside = wanted === destination || destination === '/' || wanted.startsWith(`${destination}/`);
		if (inside && (!best || destination.length > best.length)) best = { mount, rest: wanted.slice(destination === '/' ? 0 : destination.length), length: destination.length };
	}
	return best && { mount: best.mount, rest: best.rest };
}

/** A reader of files in `app`, for database-location.ts. */
export function containerFileReader(docker: Docker, app: ContainerInspectInfo, options: ContainerFileOptions = {}): (path: string) => Promise<FileRead | undefined> {
	const maxBytes = options.maxBytes ?? MAX_CONFIG_BYTES;
	return async (path) => {
		const found = mountOf(path, app.Mounts as unknown as MountInfo[]);
		const mount = found?.mount;
		// A bind's Source is a path on the engine's host; a local volume's Mountpoint too (inspect has it as Source).
		if (mount?.Source && (mount.Type === 'bind' || mount.Type === 'volume')) {
			const hostPath = posix.join(mount.Source, found!.rest);
			const text = await readHostFile(hostPath, maxBytes, path);
			if (text !== undefined) return { text, via: mount.Type === 'bind' ? `bind mount ${hostPath}` : `volume ${mount.Name ?? '?'} at ${hostPath}` };
		}
		const text = await readThroughArchive(docker, app.Id, path, maxBytes, options.timeoutMs ?? ARCHIVE_TIMEOUT_MS);
		return text === undefined ? undefined : { text, via: mount?.Type === 'volume' ? `volume ${mount.Name ?? '?'}, through the Engine API` : "the container's filesystem, through the Engine API" };
	};
}

/** The file's text, or undefined when this host cannot read it (not there, not ours, another host's path). */
async function readHostFile(hostPath: string, maxBytes: number, path: string): Promise<string | undefined> {
	let handle;
	try {
		handle = await open(hostPath, 'r');
	} catch {
		return undefined;
	}
	try {
		const stat = await handle.stat();
		if (!stat.isFile()) return undefined;
		if (stat.size > maxBytes) throw tooBig(path, maxBytes);
		return (await handle.readFile()).toString('utf8');
	} finally {
		await handle.close();
	}
}

function tooBig(path: string, maxBytes: number): ContainerFileError {
	return new ContainerFileError(`${path} is larger than ${maxBytes} bytes: not read as a config file`);
}

async function readThroughArchive(docker: Docker, id: string, path: string, maxBytes: number, timeoutMs: number): Promise<string | undefined> {
	const abort = new AbortController();
	const timer = setTimeout(() => abort.abort(), timeoutMs);
	try {
		let stream: NodeJS.ReadableStream;
		try {
			stream = await docker.getContainer(id).getArchive({ path, abortSignal: abort.signal });
		} catch (error) {
			if ((error as { statusCode?: number }).statusCode === 404) return undefined;
			throw error;
		}
		return await firstFile(stream as Readable, path, maxBytes, abort.signal);
	} catch (error) {
		if (abort.signal.aborted) throw new ContainerFileError(`reading ${path} from the container took longer than ${timeoutMs / 1000}s`);
		throw error;
	} finally {
		clearTimeout(timer);
	}
}

/** The contents of the archive's first entry when it is a regular file (the engine sends the path asked for first); else undefined. */
async function firstFile(stream: Readable, path: string, maxBytes: number, signal: AbortSignal): Promise<string | undefined> {
	const tar = await tarExtract();
	return new Promise<string | undefined>((resolve, reject) => {
		let result: string | undefined;
		let settled = false;
		const finish = (error?: Error) => {
			if (settled) return;
			settled = true;
			stream.unpipe(tar);
			(stream as Readable & { destroy?: () => void }).destroy?.();
			if (error) reject(error);
			else resolve(result);
		};
		signal.addEventListener('abort', () => finish(new Error('aborted')), { once: true });
		tar.on('entry', (header, body) => {
			// The archive's first entry is the path asked for: a directory (its
			// files follow) or a symlink (the engine does not follow it) is no file.
			if (header.type !== 'file') {
				body.resume();
				return finish();
			}
			if ((header.size ?? 0) > maxBytes) return finish(tooBig(path, maxBytes));
			const chunks: Buffer[] = [];
			body.on('data', (chunk: Buffer) => chunks.push(chunk));
			body.on('end', () => {
				result = Buffer.concat(chunks).toString('utf8');
				// The one file is all we came for.
				finish();
			});
		});
		tar.on('finish', () => finish());
		tar.on('error', (error) => finish(new ContainerFileError(`reading ${path} from the container: not a tar archive (${error.message})`)));
		stream.on('error', (error: Error) => finish(error));
		stream.pipe(tar);
	});
}
