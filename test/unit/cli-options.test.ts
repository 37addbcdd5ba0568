import { describe, expect, it } from 'vitest';
import { parseCli } from '../../source/cli-options.js';
import { UsageError } from '../../source/core/errors.js';

describe('parseCli', () => {
	it('parses the documented options', () => {
		const options = parseCli(['--yes', '--json', '-c', 'a', '--container', 'b', '--label', 'k=v', '--to', '1.7.0', '--health-url', 'http://127.0.0.1:1/h', '--health-timeout', '30', '--stop-timeout', '5', '--keep-old']);
		expect(options).toMatchObject({ yes: true, json: true, containers: ['a', 'b'], labels: ['k=v'], to: '1.7.0', healthUrl: 'http://127.0.0.1:1/h', healthTimeoutS: 30, stopTimeoutS: 5, keepOld: true, dryRun: false });
	});

	it('parses the profiles command, --profile (repeatable) and --profile-id', () => {
		expect(parseCli(['profiles', '--json', '--profile', 'a.yaml', '--profile', 'b.yaml'])).toMatchObject({ command: 'profiles', json: true, profileFiles: ['a.yaml', 'b.yaml'] });
		expect(parseCli(['--dry-run', '--profile-id', 'acme-app'])).toMatchObject({ profileFiles: [], profileId: 'acme-app' });
		expect(() => parseCli(['--profile-id', 'Acme App'])).toThrow(/^--profile-id takes a profile id \(see upgrade-wizard profiles\), not "Acme App"$/);
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

	// Issue 15 (14): node's parseArgs calls `--health-timeout -5` "ambiguous"; say what is wrong.
	it.each([
		[['--health-timeout', '-5'], /^--health-timeout -5 is a negative number of seconds: it takes 1\.\.86400$/],
		[['--health-timeout=-5'], /^--health-timeout -5 is a negative number of seconds/],
		[['--stable-for', '-0.5'], /^--stable-for -0\.5 is a negative number of seconds: it takes 0\.\.86400$/],
		[['--stop-timeout', '-1', '--yes'], /^--stop-timeout -1 is a negative number of seconds/],
		[['--to', '--yes'], /^--to needs a value, but --yes follows it/],
		[['-c', '-x'], /^-c needs a value, but -x follows it .*--container=-x/],
	])('%j says what is wrong', (argv, message) => {
		expect(() => parseCli(argv)).toThrow(message);
		expect(() => parseCli(argv)).not.toThrow(/ambiguous/);
	});

	it('a negative number given to a value option that is not seconds is judged by that option', () => {
		expect(() => parseCli(['--container', '-5'])).toThrow(/--container takes a container name/);
	});

	it('leaves everything after -- alone', () => {
		expect(() => parseCli(['--', '--health-timeout', '-5'])).toThrow(/unexpected argument "--health-timeout"/);
	});
});
