import { useEffect, useLayoutEffect, useRef } from 'react';

// A signal to the process (SIGTERM, SIGHUP, SIGINT sent from outside) as the
// app hears it: once, through the AbortSignal the entry hands in. What it
// means depends on where the wizard is when it comes, so the handler of the
// latest render is the one called.

export function useOutsideSignal(signal: AbortSignal | undefined, handler: () => void): void {
	const latest = useRef(handler);
	useLayoutEffect(() => {
		latest.current = handler;
	});
	useEffect(() => {
		if (!signal) return;
		const listener = () => latest.current();
		if (signal.aborted) listener();
		signal.addEventListener('abort', listener, { once: true });
		return () => signal.removeEventListener('abort', listener);
	}, [signal]);
}
