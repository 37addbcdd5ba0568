import { open, readFile, unlink } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ensurePrivateDir } from './state-dir.js';
import { UsageError } from '../errors.js';
import { processAlive } from './process-alive.js';
import { currentUser } from './journal.js';

// One run per engine at a time: two wizards swapping containers on the same
// engine could each park the other's container. Taking the lock is one atomic
// create in a store that refuses a second one: the engine itself for real runs
// (a marker object under a fixed name, seen by every user of that engine
// however DOCKER_HOST is spelled), a file for tests and tools. A lock left by a
// process that no longer exists on this host is stale and taken over; another
// host's lock is shown with its age and the command that breaks it.

export interface LockInfo {
	pid: number;
	host: string;
	user: string;
	since: string;
	engine: string;
	run?: string;
}

export interface LockStore {
	/** Where the lock lives, in words (a path, a container name). */
	readonly where: string;
	/** The command that breaks the lock by hand. */
	readonly breakCommand: string;
	/** Atomic: false when a lock already exists. */
	create(info: LockInfo): Promise<boolean>;
	read(): Promise<LockInfo | undefined>;
	remove(): Promise<void>;
}

export interface EngineLock {
	readonly path: string;
	release(): Promise<void>;
}

function age(since: string): string {
	const ms = Date.now() - Date.parse(since);
	if (!Number.isFinite(ms) || ms < 0) return 'for an unknown time';
	const minutes = Math.round(ms / 60_000);
	return minutes < 120 ? `for ${minutes} min` : `for ${Math.round(minutes / 60)} h`;
}

export async function acquireLock(store: LockStore, engine: string, run?: string): Promise<EngineLock> {
	const info: LockInfo = { pid: process.pid, host: hostname(), user: currentUser(), since: new Date().toISOString(), engine, ...(run ? { run } : {}) };
	// Two attempts: the second only after removing a stale lock.
	for (let attempt = 0; attempt < 2; attempt++) {
		if (await store.create(info)) return { path: store.where, release: () => store.remove().catch(() => undefined) };
		const holder = await store.read();
		if (holder && holder.host === info.host && !processAlive(holder.pid)) {
			await store.remove();
			continue;
		}
		if (!holder) {
			// Unreadable or half-written lock: only its creator could be writing it right now.
			throw new UsageError(`another upgrade-wizard run holds the lock for ${engine} (${store.where}); if no run is active: ${store.breakCommand}`);
		}
		const elsewhere = holder.host !== info.host ? `; held from another host ${age(holder.since)}: if that run is gone, break it with: ${store.breakCommand}` : '';
		throw new UsageError(
			`another upgrade-wizard run holds the lock for ${engine}: pid ${holder.pid} of ${holder.user}@${holder.host} since ${holder.since}${holder.run ? ` (run ${holder.run})` : ''}${elsewhere}`,
		);
	}
	throw new UsageError(`could not take the lock for ${engine} (${store.where})`);
}

/** A lock file under the state dir (O_EXCL create). */
export async function fileLockStore(stateDirectory: string, engine: string): Promise<LockStore> {
	const dir = await ensurePrivateDir(join(stateDirectory, 'locks'));
	const key = createHash('sha256').update(engine).digest('hex').slice(0, 16);
	const path = join(dir, `engine-${key}.lock`);
	return {
		where: path,
		breakCommand: `rm ${path}`,
		create: async (info) => {
			try {
				const handle = await open(path, 'wx', 0o600);
				await handle.writeFile(JSON.stringify(info));
				await handle.close();
				return true;
			} catch (error) {
				if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
				throw error;
			}
		},
		read: async () => {
			try {
				const parsed = JSON.parse(await readFile(path, 'utf8')) as LockInfo;
				return typeof parsed.pid === 'number' ? parsed : undefined;
			} catch {
				return undefined;
			}
		},
		remove: () => unlink(path).catch(() => undefined),
	};
}

/** The file lock, as before the engine arbitrated: kept for tools and tests. */
export async function acquireEngineLock(stateDirectory: string, engine: string): Promise<EngineLock> {
	return acquireLock(await fileLockStore(stateDirectory, engine), engine);
}
