/** Progress events are throttled; views redraw from the latest one. */
export const PROGRESS_INTERVAL_MS = 100;

/** A progress callback that passes at most one call per interval on (the rest are dropped). */
export function throttled<A extends unknown[]>(emit: (...args: A) => void): (...args: A) => void {
	let last = 0;
	return (...args) => {
		if (Date.now() - last < PROGRESS_INTERVAL_MS) return;
		last = Date.now();
		emit(...args);
	};
}
