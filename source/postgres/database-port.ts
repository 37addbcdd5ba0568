import type Docker from 'dockerode';
import type { DatabasePort } from '../core/ports.js';
import { backupDatabase, checkBackupSpace } from './backup.js';
import { restoreDatabase } from './restore.js';
import { findPgDump, type PgTools } from './pg-tools.js';

// The core's way to the database: backup, restore and the space check, with
// dockerode handed in for dumps and restores that run inside a container.

/** --pg-bin: backup and restore look for host tools where preflight found them. */
function toolLookup(dirs: string[] | undefined): { findTools?: (major: number) => Promise<PgTools | undefined> } {
	return dirs ? { findTools: (major) => findPgDump(major, { dirs }) } : {};
}

export function databasePort(docker: Docker): DatabasePort {
	return {
		async backup(database, input) {
			const result = await backupDatabase({
				...toolLookup(database.toolDirs),
				target: database.target,
				dir: database.backupDir,
				fileStem: input.fileStem,
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
			};
		},
		async restore(database, backup, onProgress) {
			const result = await restoreDatabase({
				...toolLookup(database.toolDirs),
				target: database.target,
				backup: { path: backup.path, sha256: backup.sha256, tables: backup.tables },
				docker,
				onProgress,
			});
			return result.verified.length;
		},
		checkSpace: (dir, sizeBytes) => checkBackupSpace(dir, sizeBytes),
	};
}
