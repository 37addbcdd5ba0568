import { describe, expect, it } from 'vitest';
import { HealthProof } from '../../source/core/health-proof.js';
import { ownCheckCommand } from '../../source/docker/own-check.js';

describe('HealthProof: whichever proves health first', () => {
	it('an image healthcheck without a URL passes on the engine, or on its own command passing twice in a row', () => {
		const proof = new HealthProof({ healthcheck: true, url: false });
		proof.engine('starting');
		proof.own(true, 'ok');
		expect(proof.passed()).toBeUndefined();
		proof.own(false, 'exit 1');
		proof.own(true, 'ok');
		expect(proof.passed()).toBeUndefined(); // a failure in between resets the streak
		proof.own(true, 'ok');
		expect(proof.passed()).toMatch(/passed 2 times in a row/);

		const engine = new HealthProof({ healthcheck: true, url: false });
		engine.engine('healthy');
		expect(engine.passed()).toBe('Docker healthcheck healthy');
		engine.engine('unhealthy');
		expect(engine.passed()).toBeUndefined();
	});

	it('with a URL and a healthcheck: the URL twice, or the engine healthy plus one URL pass', () => {
		const proof = new HealthProof({ healthcheck: true, url: true });
		proof.engine('healthy');
		expect(proof.passed()).toBeUndefined(); // the profile's check must still answer
		proof.own(true, 'HTTP 200');
		expect(proof.passed()).toMatch(/healthy, HTTP check passed/);

		const fast = new HealthProof({ healthcheck: true, url: true });
		fast.engine('starting');
		fast.own(true, 'HTTP 200');
		expect(fast.passed()).toBeUndefined();
		fast.own(true, 'HTTP 200');
		expect(fast.passed()).toMatch(/2 times in a row/);
	});

	it('a URL-only gate passes on one answer; a gate with neither never passes here', () => {
		const url = new HealthProof({ healthcheck: false, url: true });
		expect(url.passed()).toBeUndefined();
		url.own(true, 'HTTP 200');
		expect(url.passed()).toBe('HTTP check passed');
		expect(new HealthProof({ healthcheck: false, url: false }).passed()).toBeUndefined();
	});

	it('confirms a pass quickly and otherwise waits the interval', () => {
		const proof = new HealthProof({ healthcheck: true, url: false });
		expect(proof.nextCheckIn(150, 0)).toBe(150);
		proof.own(true, 'ok');
		expect(proof.nextCheckIn(150, 0)).toBe(0);
		proof.own(false, 'exit 1');
		expect(proof.lastCheck).toBe('exit 1');
		expect(proof.nextCheckIn(150, 0)).toBe(150);
	});
});

describe('ownCheckCommand: the image’s own healthcheck test as an exec', () => {
	it('runs the CMD form as its argv and CMD-SHELL through /bin/sh -c, bounded by the healthcheck timeout', () => {
		expect(ownCheckCommand(['CMD', 'pg_isready', '-q'], 3e9)).toEqual({ argv: ['pg_isready', '-q'], timeoutMs: 3000 });
		expect(ownCheckCommand(['CMD-SHELL', 'wget -q http://127.0.0.1:8080/'], undefined)).toEqual({ argv: ['/bin/sh', '-c', 'wget -q http://127.0.0.1:8080/'], timeoutMs: 2000 });
	});

	it('has nothing to run for NONE, an empty test or an unknown form', () => {
		expect(ownCheckCommand(['NONE'])).toBeUndefined();
		expect(ownCheckCommand([])).toBeUndefined();
		expect(ownCheckCommand(undefined)).toBeUndefined();
		expect(ownCheckCommand(['WHATEVER', 'x'])).toBeUndefined();
	});
});
