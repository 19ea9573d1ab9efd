/** Who is signed in, and the service's clock (which the time machine can move ahead of the wall clock). */
import { createContext, useCallback, useContext, useEffect, useState } from 'react';
import { ApiError, type MeAnswer, api } from './api';

interface Session {
  me: MeAnswer | null;
  loading: boolean;
  refresh: () => Promise<void>;
  signOut: () => Promise<void>;
  /** The service's "now" minus the browser's, in ms (0 unless the movable clock was moved). */
  clockOffset: number;
  /** Whether the movable clock (and the time machine) is available. */
  devClock: boolean;
  syncClock: () => Promise<void>;
}

const Ctx = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: React.ReactNode }) {
  const [me, setMe] = useState<MeAnswer | null>(null);
  const [loading, setLoading] = useState(true);
  const [clockOffset, setOffset] = useState(0);
  const [devClock, setDevClock] = useState(false);

  const syncClock = useCallback(async () => {
    try {
      const sent = Date.now();
      const c = await api<{ now: string }>('GET', '/dev/clock');
      setOffset(Date.parse(c.now) - (sent + Date.now()) / 2);
      setDevClock(true);
    } catch {
      setOffset(0);
      setDevClock(false);
    }
  }, []);

  // State is set in the promise's callbacks, after the answer, so the first look may start from an effect.
  const refresh = useCallback(
    () =>
      api<MeAnswer>('GET', '/me')
        .then((answer) => {
          setMe(answer);
          return syncClock();
        })
        .catch((e: unknown) => {
          if (!(e instanceof ApiError) || e.status !== 401) throw e;
          setMe(null);
        })
        .finally(() => setLoading(false)),
    [syncClock],
  );

  const signOut = useCallback(async () => {
    await api('DELETE', '/session').catch(() => undefined);
    setMe(null);
  }, []);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  return <Ctx.Provider value={{ me, loading, refresh, signOut, clockOffset, devClock, syncClock }}>{children}</Ctx.Provider>;
}

export function useSession(): Session {
  const s = useContext(Ctx);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

/** The signed-in person (pages behind the sign-in gate only). */
export function useMe(): MeAnswer {
  const { me } = useSession();
  if (!me) throw new Error('useMe without a session');
  return me;
}

/** The service's current time, ticking every `everyMs`. */
export function useNow(everyMs = 1000): number {
  const { clockOffset } = useSession();
  // The browser's clock ticks here; the offset is added as the page renders, so a moved clock shows at once.
  const [wall, setWall] = useState(() => Date.now());
  useEffect(() => {
    const t = window.setInterval(() => setWall(Date.now()), everyMs);
    return () => window.clearInterval(t);
  }, [everyMs]);
  return wall + clockOffset;
}
