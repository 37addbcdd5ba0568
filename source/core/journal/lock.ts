import { open, readFile, unlink } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { ensurePrivateDir } from './state-dir.js';
import { UsageError } from '../errors.js';
import { processAlive } from './process-alive.js';

// One run per engine at a time: two wizards swapping containers on the same
// engine could each park the other's container. The lock is a file created with
// O_EXCL; a lock left by a process that no longer exists on this host is stale.

interface LockInfo {
	pid: number;
	host: string;
	user: string;
	since: string;
	engine: string;
}

export interface EngineLock {
	readonly path: string;
	release(): Promise<void>;
}

export async function acquireEngineLock(stateDirectory: string, engine: string): Promise<EngineLock> {
	const dir = await ensurePrivateDir(join(stateDirectory, 'locks'));
	const key = createHash('sha256').update(engine).digest('hex').slice(0, 16);
	const path = join(dir, `engine-${key}.lock`);
	const info: LockInfo = {
		pid: process.pid,
		host: hostname(),
		user: userInfo().username,
		since: new Date().toISOString(),
		engine,
	};
	// Two attempts: the second only after removing a stale lock.
	for (let attempt = 0; attempt < 2; attempt++) {
		try {
			const handle = await open(path, 'wx', 0o600);
			await handle.writeFile(JSON.stringify(info));
			await handle.close();
			return {
				path,
				release: async () => {
					await unlink(path).catch(() => undefined);
				},
			};
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
		}
		const holder = await readHolder(path);
		if (holder && holder.host === info.host && !processAlive(holder.pid)) {
			await unlink(path).catch(() => undefined);
			continue;
		}
		if (!holder) {
			// Unreadable or half-written lock: only its creator could be writing it right now.
			throw new UsageError(`another upgrade-wizard run holds the lock for ${engine} (${path}); remove it if no run is active`);
		}
		throw new UsageError(
			`another upgrade-wizard run holds the lock for ${engine}: pid ${holder.pid} of ${holder.user}@${holder.host} since ${holder.since}`,
		);
	}
	throw new UsageError(`could not take the lock for ${engine} (${path})`);
}

async function readHolder(path: string): Promise<LockInfo | undefined> {
	try {
		const parsed = JSON.parse(await readFile(path, 'utf8')) as LockInfo;
		return typeof parsed.pid === 'number' ? parsed : undefined;
	} catch {
		return undefined;
	}
}
