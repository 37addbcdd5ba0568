import { join } from 'node:path';
import type Docker from 'dockerode';
import type { BackupRecord } from '../../core/journal/journal.js';
import { backupDatabase } from '../../postgres/backup.js';
import { ensureBackupDir, sha256Line, writePrivateFile } from '../../postgres/backup-files.js';
import { runOneOff } from '../../postgres/docker-exec.js';
import type { DatabaseTarget } from '../../postgres/database-target.js';
import { createHash } from 'node:crypto';
import { fileStamp, formatBytes } from '../../text/format.js';
import { connEnv, failureLine, type Conn } from './server-sql.js';
import type { PostgresServerUnit } from './unit.js';

// The full backup that must finish before anything else happens: the roles
// and other globals (pg_dumpall --globals-only) and every database as a
// verified pg_dump -Fc, taken with the new image's tools while the old server
// and its clients still run. It is the safety net beside the untouched old
// volume; the move itself reads the server again once the clients stopped.

export interface ServerBackup {
	globals: { path: string; sha256: string };
	dumps: BackupRecord[];
	detail: string;
}

function stemOf(unit: PostgresServerUnit): string {
	return `${unit.name}-pg${unit.fromMajor}-to-pg${unit.toMajor}-${fileStamp()}`.replace(/[^A-Za-z0-9._-]/g, '_');
}

export async function backupServer(
	docker: Docker,
	unit: PostgresServerUnit,
	old: Conn,
	databases: string[],
	hop: string,
	input: { signal?: AbortSignal; onProgress(bytes: number, elapsedMs: number): void },
): Promise<ServerBackup> {
	const stem = stemOf(unit);
	await ensureBackupDir(unit.backupDir);
	const tools = { image: unit.targetRef, network: unit.network, labels: { 'io.upgrade-wizard.run': unit.name } };
	const globals = await runOneOff(docker, tools, ['pg_dumpall', '--globals-only', '--no-password'], connEnv({ ...old, database: 'postgres' }), { signal: input.signal });
	if (globals.exitCode !== 0) throw new Error(`pg_dumpall --globals-only failed: ${failureLine(globals, old)}`);
	const globalsPath = join(unit.backupDir, `${stem}.globals.sql`);
	const globalsSha = createHash('sha256').update(globals.stdout).digest('hex');
	// Role password hashes are in it: private like the dumps.
	await writePrivateFile(globalsPath, globals.stdout);
	await writePrivateFile(`${globalsPath}.sha256`, sha256Line(globalsSha, `${stem}.globals.sql`));
	const dumps: BackupRecord[] = [];
	let bytesBefore = 0;
	for (const database of databases) {
		const target: DatabaseTarget = {
			kind: 'container',
			image: unit.targetRef,
			network: unit.network,
			host: old.host,
			port: old.port,
			user: old.user,
			password: old.password,
			database,
			display: `postgres://${old.user}@${unit.name}:${old.port}/${database}`,
		};
		const result = await backupDatabase({
			target,
			dir: unit.backupDir,
			fileStem: `${stem}.${database.replace(/[^A-Za-z0-9._-]/g, '_')}`,
			docker,
			signal: input.signal,
			onProgress: (bytes, elapsedMs) => input.onProgress(bytesBefore + bytes, elapsedMs),
		});
		bytesBefore += result.sizeBytes;
		dumps.push({ hop, database, path: result.path, sizeBytes: result.sizeBytes, sha256: result.sha256, serverVersion: result.serverVersion, tables: result.tables });
	}
	const tables = dumps.reduce((sum, dump) => sum + dump.tables.length, 0);
	return {
		globals: { path: globalsPath, sha256: globalsSha },
		dumps,
		detail: `roles in ${globalsPath}; ${dumps.length} database${dumps.length === 1 ? '' : 's'} (${formatBytes(bytesBefore)}, ${tables} tables verified) in ${unit.backupDir}`,
	};
}
