import { describe, expect, it } from 'vitest';
import { LOAD_SETTINGS, loadCommand } from '../../source/targets/postgres-server/temp-server.js';

const flags = LOAD_SETTINGS.flatMap((setting) => ['-c', setting]);

describe("the temporary server's command during the data move", () => {
	it('adds the load settings to the server, whether the command is the image default or the container own', () => {
		expect(loadCommand(undefined, ['postgres'], false)).toEqual(['postgres', ...flags]);
		expect(loadCommand(['postgres', '-c', 'max_connections=300'], ['postgres'], false)).toEqual(['postgres', '-c', 'max_connections=300', ...flags]);
		expect(flags).toContain('wal_level=minimal');
		// fsync is never turned off: the clean stop must leave the new volume durable.
		expect(LOAD_SETTINGS.some((setting) => setting.startsWith('fsync'))).toBe(false);
	});
	it('leaves any other command or a custom entrypoint as it is', () => {
		expect(loadCommand(undefined, ['/start.sh'], false)).toBeUndefined();
		expect(loadCommand(['run-server'], ['postgres'], false)).toEqual(['run-server']);
		expect(loadCommand(undefined, ['postgres'], true)).toBeUndefined();
		expect(loadCommand(['postgres'], undefined, true)).toEqual(['postgres']);
		expect(loadCommand(undefined, undefined, false)).toBeUndefined();
	});
});
