import { describe, expect, it } from 'vitest';
import { readUpdate, sameImage } from '../../source/targets/swarm/update-status.js';

const NEW = 'r/app:1.6.1@sha256:new';
const OLD = 'r/app:1.6.0@sha256:old';
const t0 = Date.parse('2026-12-03T07:00:00Z');
const at = (s: number) => new Date(t0 + s * 1000).toISOString();
const task = (image: string, state = 'running', desired = 'running') => ({ image, state, desired });

describe('reading a swarm update', () => {
	it('ignores the status of the update before ours', () => {
		expect(readUpdate({ State: 'completed', StartedAt: at(-60) }, [task(OLD), task(OLD)], NEW, t0)).toEqual({ phase: 'waiting' });
		expect(readUpdate(undefined, [task(OLD)], NEW, t0)).toEqual({ phase: 'waiting' });
	});
	it('counts the tasks on the new image while updating', () => {
		expect(readUpdate({ State: 'updating', StartedAt: at(1) }, [task(NEW), task(OLD), task(OLD, 'shutdown', 'shutdown')], NEW, t0)).toEqual({ phase: 'updating', updated: 1, total: 2 });
	});
	it('is completed only when every task that should run runs the new image', () => {
		expect(readUpdate({ State: 'completed', StartedAt: at(1) }, [task(NEW), task(NEW)], NEW, t0)).toEqual({ phase: 'completed' });
		expect(readUpdate({ State: 'completed', StartedAt: at(1) }, [task(NEW), task(NEW, 'starting')], NEW, t0)).toEqual({ phase: 'updating', updated: 1, total: 2 });
	});
	it('tells the engine rolling back, rolled back and paused apart', () => {
		expect(readUpdate({ State: 'rollback_started', StartedAt: at(1), Message: 'update rolled back' }, [], NEW, t0).phase).toBe('rolling-back');
		expect(readUpdate({ State: 'rollback_completed', StartedAt: at(1), Message: 'rollback completed' }, [], NEW, t0)).toEqual({ phase: 'rolled-back', message: 'rollback completed' });
		expect(readUpdate({ State: 'paused', StartedAt: at(1), Message: 'update paused due to failure' }, [], NEW, t0).phase).toBe('paused');
	});
	it('compares images by digest when both are pinned, else by repo:tag', () => {
		expect(sameImage(NEW, 'r/app:1.6.1@sha256:new')).toBe(true);
		expect(sameImage(NEW, 'r/app:1.6.1@sha256:other')).toBe(false);
		expect(sameImage(NEW, 'r/app:1.6.1')).toBe(true);
		expect(sameImage(OLD, 'r/app:1.6.1')).toBe(false);
	});
});
