import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { constants } from 'node:fs';
import { access, chmod, mkdir, open, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { BackupError } from './errors.js';

// A dump holds every row of the app's database: the directory is 0700 and
// every file 0600 from the moment it exists (mode given at creation, not
// tightened afterwards), and an existing file is never overwritten.

export const SPACE_FACTOR = 1.2;

/**
 * mkdir -p, one level at a time: Node's recursive mkdir never returns when a
 * parent cannot be created but reports ENOENT (as in /proc).
 * Returns whether `dir` itself was created.
 */
async function makeDirs(dir: string): Promise<boolean> {
	try {
		await mkdir(dir, { mode: 0o700 });
		return true;
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'EEXIST') {
			if (!(await stat(dir)).isDirectory()) throw Object.assign(new Error(`${dir} is not a directory`), { code: 'ENOTDIR' });
			return false;
		}
		const parent = dirname(dir);
		if (code !== 'ENOENT' || parent === dir) throw error;
		await makeDirs(parent);
		await mkdir(dir, { mode: 0o700 });
		return true;
	}
}

/** Create the backup dir (0700) when missing and prove it is writable by writing to it. */
export async function ensureBackupDir(dir: string): Promise<void> {
	try {
		// mkdir's mode is filtered by the umask; the dir we created is ours to fix.
		if (await makeDirs(dir)) await chmod(dir, 0o700);
		// access(W_OK) says yes to root even on a read-only file system: write instead.
		const probe = join(dir, `.write-test-${randomBytes(4).toString('hex')}`);
		await writeFile(probe, '', { mode: 0o600, flag: 'wx' });
		await rm(probe, { force: true });
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code ?? 'error';
		throw new BackupError('not-writable', `backup dir not writable: ${dir} (${code})`);
	}
}

/** The dir itself, or the nearest ancestor that exists (what a dry run can look at without creating anything). */
async function nearestExisting(dir: string): Promise<string> {
	for (let current = dir; ; current = dirname(current)) {
		if (await stat(current).then((found) => found.isDirectory(), () => false)) return current;
		if (dirname(current) === current) return current;
	}
}

/**
 * statfs of the backup dir: needs 1.2x the database size free. Creates the dir
 * when missing, unless `dryRun`: then nothing is created, the nearest existing
 * ancestor is checked instead, and `wouldCreate` says so.
 */
export async function checkBackupSpace(
	dir: string,
	databaseSizeBytes: number,
	options: { dryRun?: boolean } = {},
): Promise<{ ok: boolean; freeBytes: number; neededBytes: number; wouldCreate?: boolean }> {
	let where = dir;
	if (options.dryRun) {
		where = await nearestExisting(dir);
		try {
			await access(where, constants.W_OK);
		} catch (error) {
			throw new BackupError('not-writable', `backup dir not writable: ${dir} (${(error as NodeJS.ErrnoException).code ?? 'error'} on ${where})`);
		}
	} else {
		await ensureBackupDir(dir);
	}
	const stats = await statfs(where);
	const freeBytes = Number(stats.bavail) * Number(stats.bsize);
	const neededBytes = Math.ceil(databaseSizeBytes * SPACE_FACTOR);
	return { ok: freeBytes >= neededBytes, freeBytes, neededBytes, ...(where !== dir ? { wouldCreate: true } : {}) };
}

/** A new 0600 file; fails when one of that name exists. */
export async function createPrivateFile(path: string) {
	try {
		return await open(path, 'wx', 0o600);
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code ?? 'error';
		const why = code === 'EEXIST' ? 'a file of that name already exists' : code;
		throw new BackupError('not-writable', `cannot create ${path} (${why})`);
	}
}

export async function writePrivateFile(path: string, content: string): Promise<void> {
	const handle = await createPrivateFile(path);
	try {
		await handle.writeFile(content);
		await handle.sync();
	} finally {
		await handle.close();
	}
}

export async function sha256File(path: string): Promise<string> {
	const hash = createHash('sha256');
	for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
	return hash.digest('hex');
}

/** `sha256sum` format, so `sha256sum -c` run in the backup dir checks the dump. */
export function sha256Line(sha256: string, fileName: string): string {
	return `${sha256}  ${fileName}\n`;
}

export async function pathExists(path: string): Promise<boolean> {
	return stat(path).then(() => true, (error: NodeJS.ErrnoException) => error.code !== 'ENOENT');
}

/** Files, or a directory dump with everything in it. */
export async function removeQuietly(paths: string[]): Promise<void> {
	await Promise.all(paths.map((path) => rm(path, { force: true, recursive: true }).catch(() => undefined)));
}
