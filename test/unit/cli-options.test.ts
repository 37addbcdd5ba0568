import { describe, expect, it } from 'vitest';
import { parseCli } from '../../source/cli-options.js';
import { UsageError } from '../../source/core/errors.js';

describe('parseCli', () => {
	it('parses the documented options', () => {
		const options = parseCli(['--yes', '--json', '-c', 'a', '--container', 'b', '--label', 'k=v', '--to', '1.7.0', '--health-url', 'http://127.0.0.1:1/h', '--health-timeout', '30', '--stop-timeout', '5', '--keep-old']);
		expect(options).toMatchObject({ yes: true, json: true, containers: ['a', 'b'], labels: ['k=v'], to: '1.7.0', healthUrl: 'http://127.0.0.1:1/h', healthTimeoutS: 30, stopTimeoutS: 5, keepOld: true, dryRun: false });
	});

	it('has the documented defaults', () => {
		expect(parseCli([])).toMatchObject({ healthTimeoutS: 120, stableS: 10, stopTimeoutS: undefined, keepOld: false });
	});

	it.each([
		[['--health-timeout', 'soon']],
		[['--label', 'novalue']],
		[['--health-url', 'ftp://x']],
		[['--bogus']],
		[['positional']],
		[['--container', '']],
		[['--container', 'ex a1']],
		[['--container', '../x']],
	])('rejects %j as bad usage', (argv) => {
		expect(() => parseCli(argv)).toThrow(UsageError);
	});
});
