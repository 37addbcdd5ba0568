import { describe, expect, it } from 'vitest';
import { lostServerDetail } from '../../source/postgres/backup.js';

// pg_dump's stderr when the server goes away in the middle of a dump (PostgreSQL 15):
// the reason is on a "detail" line after a generic "error" line.

describe('lostServerDetail', () => {
	it('takes the server\'s FATAL line when a shutdown ended the session', () => {
		const stderr = [
			'pg_dump: error: Dumping the contents of table "ballast" failed: PQgetCopyData() failed.',
			'pg_dump: detail: Error message from server: FATAL:  terminating connection due to administrator command',
			'pg_dump: detail: Command was: COPY public.ballast (id, payload) TO stdout;',
		].join('\n');
		expect(lostServerDetail(stderr)).toBe('FATAL: terminating connection due to administrator command');
	});

	it('takes the line that says the connection broke when the server said nothing', () => {
		const stderr = [
			'pg_dump: error: Dumping the contents of table "ballast" failed: PQgetCopyData() failed.',
			'pg_dump: detail: Error message from server: server closed the connection unexpectedly',
			'\tThis probably means the server terminated abnormally',
			'\tbefore or while processing the request.',
			'pg_dump: detail: Command was: COPY public.ballast (id, payload) TO stdout;',
		].join('\n');
		expect(lostServerDetail(stderr)).toBe('server closed the connection unexpectedly');
	});
});
