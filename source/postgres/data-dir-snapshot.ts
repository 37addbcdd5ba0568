import { createReadStream } from 'node:fs';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import type { ContainerInspectInfo } from 'dockerode';
import type { EmbeddedDatabase } from '../core/plan/database.js';
import { createPrivateFile, ensureBackupDir, removeQuietly, sha256Line, writePrivateFile } from './backup-files.js';
import { HashingFileSink } from './backup.js';
import { BackupError, errorText } from './errors.js';
import { tarExtract } from '../docker/tar-extract.js';

// The backup of an embedded server (one that runs inside the app container, on
// a data directory the container mounts): a copy of that directory, taken
// through the Engine API (GET /containers/{id}/archive, what `docker cp` does)
// while the container is STOPPED. A stopped server's directory is consistent
// by itself, needs no credentials, no client tools and no server to dump from,
// and it is restored the same way with nothing running: which a dump from
// inside the container could not be, since restoring it needs the server up.

/** How long the engine may send nothing before the copy counts as stuck. */
const STALL_MS = 60_000;

/** Every entry of a tar: name -> "type size"; two listings are equal when the same files came back. */
export type Listing = Map<string, string>;

export interface DataDirSnapshot {
	path: string;
	sha256Path: string;
	sizeBytes: number;
	sha256: string;
	entries: number;
	/** Bytes of file contents (the tar adds headers). */
	bytes: number;
	/** The server shut down cleanly (no postmaster.pid left): else the copy is crash-consistent, and the server recovers from its WAL at start. */
	clean: boolean;
}

/** The container holding the data directory now, checked: stopped, and mounting the same volume or directory the plan saw. */
export async function stoppedHolder(docker: Docker, embedded: EmbeddedDatabase): Promise<ContainerInspectInfo> {
	const info = await docker.getContainer(embedded.container).inspect();
	if (info.State.Running) throw new BackupError('dump-failed', `${embedded.container} is still running: its embedded server's data directory is copied only while it is stopped`);
	const mount = info.Mounts.find((each) => each.Destination === embedded.mount.destination);
	const source = mount && (mount.Type === 'volume' ? mount.Name : mount.Source);
	if (!mount || source !== embedded.mount.source) {
		throw new BackupError('dump-failed', `${embedded.container} no longer mounts ${embedded.mount.type} ${embedded.mount.source} at ${embedded.mount.destination}`);
	}
	return info;
}

/** Running containers (other than `except`) that mount the same volume or host directory: a second server on one data directory corrupts it. */
export async function otherUsers(docker: Docker, embedded: EmbeddedDatabase, except?: string): Promise<string[]> {
	const filters: Record<string, string[]> = embedded.mount.type === 'volume' ? { volume: [embedded.mount.source], status: ['running'] } : { status: ['running'] };
	const rows = await docker.listContainers({ filters });
	const users: string[] = [];
	for (const row of rows) {
		if (row.Id === except) continue;
		const mounts = (row.Mounts ?? []) as Array<{ Type?: string; Name?: string; Source?: string }>;
		const same = mounts.some((mount) => (embedded.mount.type === 'volume' ? mount.Name === embedded.mount.source : mount.Type === 'bind' && mount.Source === embedded.mount.source));
		if (same) users.push((row.Names?.[0] ?? row.Id).replace(/^\//, ''));
	}
	return users;
}

/** The entries of a tar stream, read to its end. */
export async function listArchive(stream: Readable): Promise<Listing> {
	const tar = await tarExtract();
	const listing: Listing = new Map();
	tar.on('entry', (header, body, next) => {
		listing.set(header.name.replace(/\/+$/, ''), `${header.type ?? 'file'} ${header.type === 'file' ? (header.size ?? 0) : 0}`);
		body.on('end', next);
		body.resume();
	});
	await pipeline(stream, tar);
	return listing;
}

export async function listTarFile(path: string): Promise<Listing> {
	return listArchive(createReadStream(path));
}

/** Bytes of file contents in a listing. */
export function contentBytes(listing: Listing): number {
	let bytes = 0;
	for (const value of listing.values()) if (value.startsWith('file ')) bytes += Number(value.slice('file '.length));
	return bytes;
}

export interface SnapshotInput {
	dir: string;
	fileStem: string;
	signal?: AbortSignal;
	onProgress?: (bytes: number, elapsedMs: number) => void;
}

/** Copy the stopped container's data directory to `<dir>/<stem>.data.tar` (0600), sha256 beside it; proven by reading it back. */
export async function snapshotDataDir(docker: Docker, embedded: EmbeddedDatabase, input: SnapshotInput): Promise<DataDirSnapshot> {
	const holder = await stoppedHolder(docker, embedded);
	const users = await otherUsers(docker, embedded, holder.Id);
	if (users.length > 0) throw new BackupError('dump-failed', `${embedded.mount.type} ${embedded.mount.source} is in use by ${users.join(', ')}: its data directory cannot be copied consistently`);
	await ensureBackupDir(input.dir);
	const path = join(input.dir, `${input.fileStem}.data.tar`);
	const sha256Path = `${path}.sha256`;
	const started = Date.now();
	const abort = new AbortController();
	const onAbort = () => abort.abort();
	input.signal?.addEventListener('abort', onAbort, { once: true });
	let stalled = false;
	let timer: NodeJS.Timeout | undefined;
	const watch = () => {
		clearTimeout(timer);
		timer = setTimeout(() => {
			stalled = true;
			abort.abort();
		}, STALL_MS);
	};
	const handle = await createPrivateFile(path);
	try {
		watch();
		const source = (await docker.getContainer(holder.Id).getArchive({ path: embedded.dataDir, abortSignal: abort.signal })) as Readable;
		const sink = new HashingFileSink(handle, started, (bytes, elapsedMs) => {
			watch();
			input.onProgress?.(bytes, elapsedMs);
		});
		await pipeline(source, sink);
		await handle.close();
		const listing = await listTarFile(path);
		const root = basename(embedded.dataDir);
		if (!listing.has(`${root}/PG_VERSION`)) throw new BackupError('verify-failed', `the copy of ${embedded.dataDir} has no PG_VERSION: not a PostgreSQL data directory`);
		const sha256 = sink.hash.digest('hex');
		await writePrivateFile(sha256Path, sha256Line(sha256, basename(path)));
		return { path, sha256Path, sizeBytes: sink.bytes, sha256, entries: listing.size, bytes: contentBytes(listing), clean: !listing.has(`${root}/postmaster.pid`) };
	} catch (error) {
		await handle.close().catch(() => undefined);
		await removeQuietly([path, sha256Path]);
		if (stalled) throw new BackupError('dump-failed', `copying ${embedded.dataDir} from ${embedded.container}: the engine sent nothing for ${STALL_MS / 1000} s`);
		if (input.signal?.aborted) throw new BackupError('dump-failed', `copying ${embedded.dataDir} was aborted`);
		if (error instanceof BackupError) throw error;
		throw new BackupError('dump-failed', `copying ${embedded.dataDir} from ${embedded.container} failed: ${errorText(error)}`);
	} finally {
		clearTimeout(timer);
		input.signal?.removeEventListener('abort', onAbort);
	}
}
