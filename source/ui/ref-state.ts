import { useCallback, useRef, useState } from 'react';

// State a key handler reads back at once. ink hands keys to the handler of the
// last commit, and React renders after the handler returns: two keys typed
// back to back ("/" then "a", "j" then space) would otherwise both see the
// state from before the first. The ref is the truth; the state re-renders.

export function useRefState<T>(initial: T | (() => T)): [T, () => T, (next: T | ((previous: T) => T)) => void] {
	const [state, setState] = useState(initial);
	const ref = useRef(state);
	const get = useCallback(() => ref.current, []);
	const set = useCallback((next: T | ((previous: T) => T)) => {
		ref.current = typeof next === 'function' ? (next as (previous: T) => T)(ref.current) : next;
		setState(ref.current);
	}, []);
	return [state, get, set];
}
