import { imageWithoutDigest } from './select.js';

// Reading one look at a service during its update: where the update we
// started stands. Pure, so the follower (a bounded poll) stays small and the
// rules can be tested without a swarm.

export interface UpdateStatusLike {
	State?: string;
	StartedAt?: string;
	CompletedAt?: string;
	Message?: string;
}

export interface TaskLike {
	/** The image the task was created from (Spec.ContainerSpec.Image). */
	image: string;
	/** Status.State: new, pending, …, running, failed, shutdown… */
	state: string;
	/** DesiredState: running for a task that should be up. */
	desired: string;
}

export type UpdateReading =
	/** Not ours yet: the status still shows the update before the one we started. */
	| { phase: 'waiting' }
	| { phase: 'updating'; updated: number; total: number }
	| { phase: 'completed' }
	/** Swarm paused it (FailureAction pause, or a rollback that itself failed). */
	| { phase: 'paused'; message: string }
	| { phase: 'rolling-back'; message: string }
	| { phase: 'rolled-back'; message: string };

/**
 * `startedAfter`: the time just before our update call. Until UpdateStatus
 * shows an update started at or after it, what we read is the previous one.
 */
export function readUpdate(status: UpdateStatusLike | undefined, tasks: readonly TaskLike[], newImage: string, startedAfter: number): UpdateReading {
	const started = status?.StartedAt ? Date.parse(status.StartedAt) : NaN;
	// The engine's clock is the one we compare to; allow it to run a second behind ours.
	if (!status?.State || Number.isNaN(started) || started < startedAfter - 1000) return { phase: 'waiting' };
	const message = status.Message ?? '';
	const wanted = tasks.filter((task) => task.desired === 'running');
	const updated = wanted.filter((task) => task.state === 'running' && sameImage(task.image, newImage)).length;
	switch (status.State) {
		case 'updating':
			return { phase: 'updating', updated, total: wanted.length };
		case 'completed':
			// Completed and every task that should run runs the new image; otherwise keep watching.
			return wanted.length > 0 && updated === wanted.length ? { phase: 'completed' } : { phase: 'updating', updated, total: wanted.length };
		case 'paused':
		case 'rollback_paused':
			return { phase: 'paused', message };
		case 'rollback_started':
			return { phase: 'rolling-back', message };
		case 'rollback_completed':
			return { phase: 'rolled-back', message };
		default:
			return { phase: 'updating', updated, total: wanted.length };
	}
}

export function sameImage(a: string, b: string): boolean {
	if (a === b) return true;
	const digest = (ref: string) => (ref.includes('@') ? ref.slice(ref.indexOf('@') + 1) : undefined);
	// Pinned on both sides: the digest decides; else the repo:tag.
	if (digest(a) && digest(b)) return digest(a) === digest(b);
	return imageWithoutDigest(a) === imageWithoutDigest(b);
}
