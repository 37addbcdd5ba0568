import { describe, expect, it } from 'vitest';
import { familyChangeWarning, postgresMajorRows, tagFamily } from '../../source/targets/postgres-server/major-targets.js';

const PG10 = ['PG_MAJOR=10', 'PATH=/usr/bin'];

describe('the Version screen rows of a PostgreSQL server', () => {
	it('reads the family of a tag', () => {
		expect([tagFamily('15'), tagFamily('15.4'), tagFamily('15-alpine'), tagFamily('15.4-bookworm'), tagFamily('9.6.24-alpine3.19')]).toEqual(['', '', 'alpine', 'bookworm', 'alpine3.19']);
	});

	it('offers newer majors of the running family as the procedure, newest first, and disables older ones', () => {
		const rows = postgresMajorRows(['PG_MAJOR=13'], '13', ['10', '13', '15', '15-alpine', '16', '16.2', 'latest', '9.6'])!;
		expect(rows.map((row) => [row.tag, row.kind, row.disabledReason === undefined])).toEqual([
			['16', 'major', true],
			['16.2', 'major', true],
			['15', 'major', true],
			['10', 'downgrade', false],
			['9.6', 'downgrade', false],
		]);
		expect(rows[0]!.releaseNotes).toContain('new volume');
		expect(rows[3]!.disabledReason).toBe('downgrade: PostgreSQL 10 cannot read the data directory of 13');
	});

	it('keeps an -alpine server on -alpine tags', () => {
		expect(postgresMajorRows(PG10, '10-alpine', ['13', '13-alpine', '15-bookworm'])!.map((row) => row.tag)).toEqual(['13-alpine']);
	});

	it('is nothing for a container that is no PostgreSQL server', () => {
		expect(postgresMajorRows(['PATH=/usr/bin'], '1.6.0', ['15'])).toBeUndefined();
	});

	it('warns when --to changes the family', () => {
		expect(familyChangeWarning('13-alpine', '15')).toBe('15 changes the image family from -alpine to the plain image (another base image, libc or locale data): indexes on text may need REINDEX afterwards');
		expect(familyChangeWarning('13', '15')).toBeUndefined();
		expect(familyChangeWarning('13.4-bookworm', '15-bookworm')).toBeUndefined();
	});
});
