import { describe, expect, it } from 'vitest';
import { majorChangeRefusal, majorOfTag, postgresMajorOf } from '../../source/targets/postgres-server/major.js';

describe('a PostgreSQL server container changing major', () => {
	it('reads the major from PG_MAJOR and from tags', () => {
		expect(postgresMajorOf(['PATH=/x', 'PG_MAJOR=15'])).toBe(15);
		expect(postgresMajorOf(['PG_MAJOR=9.6'])).toBe(9.6);
		expect(postgresMajorOf(['PG_MAJOR='])).toBeUndefined();
		expect(postgresMajorOf(undefined)).toBeUndefined();
		expect([majorOfTag('15'), majorOfTag('15.4'), majorOfTag('15-alpine'), majorOfTag('16.1-bookworm'), majorOfTag('9.6.24'), majorOfTag('latest')]).toEqual([15, 15, 15, 16, 9.6, undefined]);
	});
	it('a minor within the major is an ordinary swap; an app image (no PG_MAJOR) is never judged', () => {
		expect(majorChangeRefusal('db', ['PG_MAJOR=15'], [{ tag: '15.5', env: ['PG_MAJOR=15'] }])).toBeUndefined();
		expect(majorChangeRefusal('app', ['PATH=/x'], [{ tag: '16.0.0' }])).toBeUndefined();
	});
	it('a newer major is refused until the data can be moved, naming both majors', () => {
		expect(majorChangeRefusal('db', ['PG_MAJOR=15'], [{ tag: '15.5', env: ['PG_MAJOR=15'] }, { tag: '16.1', env: ['PG_MAJOR=16'] }])).toBe(
			'db runs PostgreSQL 15 and 16.1 is PostgreSQL 16: a new major moves the data to a new volume (dump and restore), which an image swap does not do; name the target with --to (e.g. --to 16) to run that procedure, or stay within 15; nothing was touched',
		);
		// Without the image's config, the tag says it.
		expect(majorChangeRefusal('db', ['PG_MAJOR=15'], [{ tag: '16-alpine' }])).toContain('16-alpine is PostgreSQL 16');
	});
	it('a lower major is a downgrade', () => {
		expect(majorChangeRefusal('db', ['PG_MAJOR=15'], [{ tag: '14.9', env: ['PG_MAJOR=14'] }])).toContain('a downgrade of a PostgreSQL server is not possible');
	});
});
