import { useCallback, useEffect, useState } from 'react';

// One backend call per key: a screen that is left and entered again with the
// same inputs shows what it had, without asking the engine twice.

export type Load<T> =
	| { status: 'idle' }
	| { status: 'loading' }
	| { status: 'ready'; value: T }
	/** `kind`, `container` and `engine` when the error carried them (e.g. kind 'no-database'): screens that can help react to them. */
	| { status: 'error'; message: string; kind?: string; container?: string; engine?: string };

function errorLoad(error: unknown): { status: 'error'; message: string; kind?: string; container?: string; engine?: string } {
	const message = error instanceof Error ? error.message : String(error);
	const { kind, container, engine } = (typeof error === 'object' && error !== null ? error : {}) as { kind?: unknown; container?: unknown; engine?: unknown };
	return {
		status: 'error',
		message,
		...(typeof kind === 'string' ? { kind } : {}),
		...(typeof container === 'string' ? { container } : {}),
		...(typeof engine === 'string' ? { engine } : {}),
	};
}

/** `initial`: the answer already in at mount (the backend's prefetch): the first frame shows it, no load. */
export function useLoad<T>(key: string | undefined, load: () => Promise<T>, initial?: T): [Load<T>, () => void] {
	const [attempt, setAttempt] = useState(0);
	const [state, setState] = useState<{ key?: string; attempt: number; load: Load<T> }>(() =>
		key !== undefined && initial !== undefined ? { key, attempt: 0, load: { status: 'ready', value: initial } } : { attempt: -1, load: { status: 'idle' } },
	);

	useEffect(() => {
		if (key === undefined) return;
		// Settled for this key already (left and came back): keep it. A load cut
		// short by a key change is still 'loading' and runs again.
		if (state.key === key && state.attempt === attempt && state.load.status !== 'loading') return;
		let current = true;
		setState({ key, attempt, load: { status: 'loading' } });
		load().then(
			(value) => {
				if (current) setState({ key, attempt, load: { status: 'ready', value } });
			},
			(error: unknown) => {
				if (current) setState({ key, attempt, load: errorLoad(error) });
			},
		);
		return () => {
			current = false;
		};
		// `load` changes identity every render; the key says when to load again.
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [key, attempt]);

	const retry = useCallback(() => setAttempt((value) => value + 1), []);
	if (key === undefined) return [{ status: 'idle' }, retry];
	// Between a key change and the effect, show loading rather than stale data.
	if (state.key !== key || state.attempt !== attempt) return [{ status: 'loading' }, retry];
	return [state.load, retry];
}
