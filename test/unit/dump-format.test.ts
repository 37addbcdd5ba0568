import { describe, expect, it } from 'vitest';
import { chooseDumpFormat, dumpJobs, formatCommand, type FormatInput } from '../../source/postgres/dump-format.js';
import { swapRefusal } from '../../source/postgres/parallel-restore.js';

const MiB = 1024 * 1024;
const base: FormatInput = { requested: 'auto', hostTools: true, serverVersionNum: 150018, sizeBytes: 1200 * MiB, largestTableBytes: 300 * MiB, tableCount: 4, cores: 2 };

describe('chooseDumpFormat', () => {
	it('goes parallel for a large database of several tables with host tools, one job per core', () => {
		expect(chooseDumpFormat(base)).toEqual({ format: 'directory', jobs: 2, why: '4 tables, the largest 25% of the data' });
		expect(chooseDumpFormat({ ...base, cores: 16, tableCount: 20 }).jobs).toBe(8);
		expect(chooseDumpFormat({ ...base, cores: 16, tableCount: 3 }).jobs).toBe(3);
	});

	it('keeps the single-file custom format where parallel cannot pay', () => {
		expect(chooseDumpFormat({ ...base, sizeBytes: 255 * MiB, largestTableBytes: 10 * MiB })).toMatchObject({ format: 'custom', jobs: 1, why: 'a small database (under 256 MiB)' });
		expect(chooseDumpFormat({ ...base, largestTableBytes: 1000 * MiB })).toMatchObject({ format: 'custom', why: 'one table holds 83% of the data' });
		expect(chooseDumpFormat({ ...base, tableCount: 1 })).toMatchObject({ format: 'custom', why: 'a single table' });
		expect(chooseDumpFormat({ ...base, cores: 1 })).toMatchObject({ format: 'custom', why: 'a single core' });
	});

	it('keeps custom where -Fd -j cannot work: tools in a container, a server before 9.2', () => {
		expect(chooseDumpFormat({ ...base, hostTools: false })).toMatchObject({ format: 'custom', why: expect.stringMatching(/inside a container/) });
		expect(chooseDumpFormat({ ...base, serverVersionNum: 90124 })).toMatchObject({ format: 'custom', why: expect.stringMatching(/older than 9\.2/) });
		expect(chooseDumpFormat({ ...base, hostTools: false }).refused).toBeUndefined();
	});

	it('follows --backup-format, and refuses directory where it cannot work', () => {
		expect(chooseDumpFormat({ ...base, requested: 'custom' })).toEqual({ format: 'custom', jobs: 1, why: '--backup-format custom' });
		expect(chooseDumpFormat({ ...base, requested: 'directory', sizeBytes: 8 * MiB, tableCount: 3 })).toEqual({ format: 'directory', jobs: 2, why: '--backup-format directory' });
		expect(chooseDumpFormat({ ...base, requested: 'directory', hostTools: false })).toMatchObject({ format: 'custom', refused: expect.stringMatching(/^--backup-format directory: pg_dump runs inside a container/) });
	});

	it('dumpJobs is at least 1, at most the tables and 8', () => {
		expect(dumpJobs(2, 0)).toBe(1);
		expect(dumpJobs(0.5, 10)).toBe(1);
		expect(dumpJobs(64, 100)).toBe(8);
		expect(formatCommand({ format: 'directory', jobs: 2 })).toBe('pg_dump -Fd -j 2');
		expect(formatCommand({ format: 'custom', jobs: 1 })).toBe('pg_dump -Fc');
	});
});

describe('swapRefusal', () => {
	const facts = { owner: 'app', super: false, createdb: true, member: true, encoding: 'UTF8', collate: 'C', ctype: 'C', provider: 'c', acl: false, settings: false, comment: false, slots: 0, sessions: 0, tablespace: 'pg_default' };
	it('allows the swap only when a rename loses nothing and nobody is connected', () => {
		expect(swapRefusal(facts)).toBeUndefined();
		expect(swapRefusal({ ...facts, createdb: false, super: true })).toBeUndefined();
		expect(swapRefusal({ ...facts, createdb: false })).toMatch(/may not create/);
		expect(swapRefusal({ ...facts, member: false })).toMatch(/may not create/);
		expect(swapRefusal({ ...facts, acl: true })).toMatch(/grants/);
		expect(swapRefusal({ ...facts, settings: true })).toMatch(/ALTER DATABASE SET/);
		expect(swapRefusal({ ...facts, comment: true })).toMatch(/comment/);
		expect(swapRefusal({ ...facts, slots: 1 })).toMatch(/replication slots/);
		expect(swapRefusal({ ...facts, tablespace: 'fast' })).toMatch(/tablespace fast/);
		expect(swapRefusal({ ...facts, provider: 'i' })).toMatch(/locale provider/);
		expect(swapRefusal({ ...facts, sessions: 2 })).toBe('2 other sessions are connected to it');
	});
});
