// Which pg_dump format a backup uses. The directory format dumps tables in
// parallel (pg_dump -Fd -j N, one worker per table at a time) and restores them
// in parallel; the single-file custom format is one stream, one core. Parallel
// only pays when there is enough data, more than one core, and more than one
// table carrying it: a database that is mostly one table dumps at the speed of
// that table's single worker, and a small one spends more on the extra
// connections and files than it saves.

export type BackupFormat = 'custom' | 'directory';
export type BackupFormatRequest = 'auto' | BackupFormat;

/** Below this a parallel dump saves less than a second. */
export const DIRECTORY_MIN_BYTES = 256 * 1024 * 1024;
/** The largest table may hold at most this share of the data for auto to go parallel. */
export const LARGEST_TABLE_MAX_SHARE = 0.6;
/** More workers than this only add connections to the server. */
export const MAX_JOBS = 8;

export interface FormatInput {
	requested: BackupFormatRequest;
	/** pg_dump runs on the host: a dump made inside a container would have to be copied out file by file. */
	hostTools: boolean;
	/** server_version_num: -j needs synchronized snapshots (9.2). */
	serverVersionNum: number;
	sizeBytes: number;
	/** pg_table_size of the largest table (TOAST included, indexes not). */
	largestTableBytes: number;
	tableCount: number;
	cores: number;
}

export interface FormatChoice {
	format: BackupFormat;
	/** pg_dump/pg_restore workers; 1 for the custom format. */
	jobs: number;
	/** Why, in the plan's words. */
	why: string;
	/** --backup-format directory where it cannot work: the reason (the run refuses, exit 2). */
	refused?: string;
}

/** One worker per core, no more than there are tables to hand out. */
export function dumpJobs(cores: number, tableCount: number): number {
	return Math.max(1, Math.min(Math.floor(cores), tableCount, MAX_JOBS));
}

function directoryImpossible(input: FormatInput): string | undefined {
	if (!input.hostTools) return 'pg_dump runs inside a container, where a directory dump would have to be copied out file by file';
	if (input.serverVersionNum < 90200) return 'the server is older than 9.2 and cannot share its snapshot with parallel workers';
	return undefined;
}

export function chooseDumpFormat(input: FormatInput): FormatChoice {
	const jobs = dumpJobs(input.cores, input.tableCount);
	const impossible = directoryImpossible(input);
	if (input.requested === 'custom') return { format: 'custom', jobs: 1, why: '--backup-format custom' };
	if (input.requested === 'directory') {
		if (impossible) return { format: 'custom', jobs: 1, why: impossible, refused: `--backup-format directory: ${impossible}` };
		return { format: 'directory', jobs, why: '--backup-format directory' };
	}
	if (impossible) return { format: 'custom', jobs: 1, why: impossible };
	if (input.sizeBytes < DIRECTORY_MIN_BYTES) return { format: 'custom', jobs: 1, why: 'a small database (under 256 MiB)' };
	if (jobs < 2) return { format: 'custom', jobs: 1, why: input.tableCount < 2 ? 'a single table' : 'a single core' };
	const share = input.sizeBytes > 0 ? input.largestTableBytes / input.sizeBytes : 1;
	if (share > LARGEST_TABLE_MAX_SHARE) return { format: 'custom', jobs: 1, why: `one table holds ${Math.round(share * 100)}% of the data` };
	return { format: 'directory', jobs, why: `${input.tableCount} tables, the largest ${Math.round(share * 100)}% of the data` };
}

/** "pg_dump -Fd -j 2" / "pg_dump -Fc", for plans and summaries. */
export function formatCommand(choice: Pick<FormatChoice, 'format' | 'jobs'>): string {
	return choice.format === 'directory' ? `pg_dump -Fd -j ${choice.jobs}` : 'pg_dump -Fc';
}
