import { createReadStream } from 'node:fs';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import type Docker from 'dockerode';
import type { EmbeddedDatabase } from '../core/plan/database.js';
import { logTail } from '../docker/logs.js';
import { sha256File } from './backup-files.js';
import { listArchive, listTarFile, otherUsers, stoppedHolder, type Listing } from './data-dir-snapshot.js';
import { RestoreError, errorText } from './errors.js';

// Putting an embedded server's data directory back from its copy, with
// nothing running on it (a rollback does this after the new container is gone
// and before the old one starts). Files the new version wrote (new WAL
// segments, new relations) must not survive next to the old ones, so the
// directory is emptied first: by a one-off container of the old image that
// mounts only that volume and runs `find DIR -mindepth 1 -maxdepth 1 -exec
// rm -rf {} +` (the Engine
// API can add files to a stopped container but not remove them; `-delete` is
// missing from busybox's find, `-exec rm -rf {} +` works with every find). The copy is
// then unpacked into the one-off through the same API, ownership and modes as
// the tar has them, and listed again: the same entries must come back.

const CLEAR_TIMEOUT_MS = 120_000;

export function restoreOneOffName(embedded: Pick<EmbeddedDatabase, 'container'>): string {
	return `${embedded.container}-restore`;
}

const RESTORE_LABEL = 'io.upgrade-wizard.restore';

/** A one-off left by an interrupted restore: ours (labelled) or nothing is removed. */
async function removeLeftover(docker: Docker, name: string): Promise<void> {
	const found = await docker.getContainer(name).inspect().catch(() => undefined);
	if (!found) return;
	if (found.Config.Labels?.[RESTORE_LABEL] !== '1') throw new RestoreError('restore-failed', `a container named ${name} exists and is not the wizard's: remove or rename it`);
	await docker.getContainer(found.Id).remove({ force: true });
}

function sameListing(want: Listing, got: Listing): string | undefined {
	for (const [name, value] of want) {
		const back = got.get(name);
		if (back !== value) return back === undefined ? `${name} is missing` : `${name} came back as ${back}, not ${value}`;
	}
	for (const name of got.keys()) if (!want.has(name)) return `${name} is there but not in the copy`;
	return undefined;
}

async function waitExit(docker: Docker, id: string): Promise<number> {
	let timer: NodeJS.Timeout | undefined;
	const waited = docker.getContainer(id).wait({ condition: 'next-exit' }) as Promise<{ StatusCode: number }>;
	await docker.getContainer(id).start();
	const outcome = await Promise.race([
		waited.then((result) => result.StatusCode),
		new Promise<'timeout'>((resolve) => {
			timer = setTimeout(() => resolve('timeout'), CLEAR_TIMEOUT_MS);
		}),
	]).finally(() => clearTimeout(timer));
	if (outcome === 'timeout') throw new RestoreError('restore-failed', `emptying the data directory did not finish within ${CLEAR_TIMEOUT_MS / 1000} s`);
	return outcome;
}

/** Resolves to what was verified, in words. */
export async function restoreDataDir(
	docker: Docker,
	embedded: EmbeddedDatabase,
	backup: { path: string; sha256: string },
	onProgress?: (bytes: number, elapsedMs: number) => void,
): Promise<string> {
	const sha256 = await sha256File(backup.path).catch((error: Error) => {
		throw new RestoreError('restore-failed', `cannot read the copy ${backup.path}: ${errorText(error)}`);
	});
	if (sha256 !== backup.sha256) throw new RestoreError('restore-failed', `the copy ${backup.path} does not match the sha256 the journal recorded`);
	const want = await listTarFile(backup.path);
	const holder = await stoppedHolder(docker, embedded).catch((error: Error) => {
		throw new RestoreError('restore-failed', errorText(error));
	});
	const users = await otherUsers(docker, embedded, holder.Id);
	if (users.length > 0) throw new RestoreError('restore-failed', `${embedded.mount.type} ${embedded.mount.source} is still in use by ${users.join(', ')}`);

	const name = restoreOneOffName(embedded);
	await removeLeftover(docker, name);
	const test = holder.Config.Labels?.['io.upgrade-wizard.test'];
	const container = await docker.createContainer({
		name,
		Image: holder.Image,
		Entrypoint: ['find'],
		Cmd: [embedded.dataDir, '-mindepth', '1', '-maxdepth', '1', '-exec', 'rm', '-rf', '{}', '+'],
		User: '0:0',
		WorkingDir: '/',
		Env: [],
		Healthcheck: { Test: ['NONE'] },
		Labels: { [RESTORE_LABEL]: '1', 'io.upgrade-wizard.one-off': embedded.container, ...(test ? { 'io.upgrade-wizard.test': test } : {}) },
		HostConfig: {
			NetworkMode: 'none',
			AutoRemove: false,
			Mounts: [{ Type: embedded.mount.type, Source: embedded.mount.source, Target: embedded.mount.destination }],
		},
	});
	try {
		const code = await waitExit(docker, container.id).catch((error: Error) => {
			if (error instanceof RestoreError) throw error;
			throw new RestoreError('restore-failed', `emptying ${embedded.dataDir} with \`find\` of ${embedded.container}'s image failed: ${errorText(error)}`);
		});
		if (code !== 0) {
			const said = (await logTail(docker, container.id, 3).catch(() => [])).join(' / ');
			throw new RestoreError('restore-failed', `emptying ${embedded.dataDir} (find … -exec rm -rf in ${embedded.container}'s image) exited with code ${code}${said ? `: ${said}` : ''}`);
		}
		const started = Date.now();
		let bytes = 0;
		const counted = createReadStream(backup.path).pipe(
			new Transform({
				transform(chunk: Buffer, _encoding, done) {
					bytes += chunk.length;
					onProgress?.(bytes, Date.now() - started);
					done(null, chunk);
				},
			}),
		);
		// Into the parent: the tar's root entry is the directory itself.
		await container.putArchive(counted, { path: posix.dirname(embedded.dataDir) });
		const got = await listArchive((await container.getArchive({ path: embedded.dataDir })) as Readable);
		const problem = sameListing(want, got);
		if (problem) throw new RestoreError('verify-failed', `the restored ${embedded.dataDir} differs from the copy: ${problem}`);
		return `${want.size} entries of ${embedded.dataDir} put back from the copy, each listed again`;
	} finally {
		await container.remove({ force: true }).catch(() => undefined);
	}
}
