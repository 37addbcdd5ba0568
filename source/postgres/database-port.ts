import type Docker from 'dockerode';
import type { DatabasePort } from '../core/ports.js';
import { backupDatabase, checkBackupSpace } from './backup.js';
import { restoreDatabase } from './restore.js';
import { findPgDump, type PgTools } from './pg-tools.js';
import { snapshotDataDir } from './data-dir-snapshot.js';
import { restoreDataDir } from './data-dir-restore.js';
import { DatabaseError } from './errors.js';

// The core's way to the database: backup, restore and the space check, with
// dockerode handed in for dumps and restores that run inside a container.

/** --pg-bin: backup and restore look for host tools where preflight found them. */
function toolLookup(dirs: string[] | undefined): { findTools?: (major: number) => Promise<PgTools | undefined> } {
	return dirs ? { findTools: (major) => findPgDump(major, { dirs }) } : {};
}

export function databasePort(docker: Docker): DatabasePort {
	return {
		async backup(database, input) {
			if (database.embedded) {
				const copy = await snapshotDataDir(docker, database.embedded, { dir: database.backupDir, fileStem: input.fileStem, signal: input.signal, onProgress: input.onProgress });
				return {
					hop: input.hop,
					path: copy.path,
					sizeBytes: copy.sizeBytes,
					sha256: copy.sha256,
					serverVersion: `PostgreSQL ${database.embedded.major} (embedded${copy.clean ? '' : '; not shut down cleanly: it recovers from its WAL at start'})`,
					tables: [],
					dataDir: { path: database.embedded.dataDir, entries: copy.entries, bytes: copy.bytes },
					database: database.display,
					sha256Path: copy.sha256Path,
				};
			}
			if (!database.target) throw new DatabaseError('bad-url', 'no database to back up');
			const result = await backupDatabase({
				...toolLookup(database.toolDirs),
				target: database.target,
				dir: database.backupDir,
				fileStem: input.fileStem,
				format: database.dumpFormat?.format ?? 'custom',
				jobs: database.dumpFormat?.jobs ?? 1,
				containerInspect: input.containerInspect,
				docker,
				signal: input.signal,
				onProgress: input.onProgress,
			});
			return {
				hop: input.hop,
				path: result.path,
				sizeBytes: result.sizeBytes,
				sha256: result.sha256,
				serverVersion: result.serverVersion,
				tables: result.tables,
				inspectPath: result.inspectPath,
				database: database.display,
				sha256Path: result.sha256Path,
				format: result.format,
				jobs: result.jobs,
				...(result.files !== undefined ? { files: result.files } : {}),
			};
		},
		async restore(database, backup, onProgress) {
			if (database.embedded) return restoreDataDir(docker, database.embedded, backup, onProgress);
			if (!database.target) throw new DatabaseError('bad-url', 'no database to restore into');
			const result = await restoreDatabase({
				...toolLookup(database.toolDirs),
				target: database.target,
				backup: { path: backup.path, sha256: backup.sha256, tables: backup.tables, format: backup.format ?? 'custom' },
				docker,
				onProgress,
			});
			return `${result.verified.length} tables, row counts equal to the backup's (${result.how})`;
		},
		checkSpace: (dir, sizeBytes) => checkBackupSpace(dir, sizeBytes),
	};
}
