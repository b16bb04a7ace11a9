/** One row of `ccat-dt doctor`: what was checked, whether it is fine, and if not, what to do. */
export interface DoctorCheck {
  check: string;
  status: 'OK' | 'FAIL' | 'SKIP';
  detail: string;
  fix?: string;
}

export const ok = (check: string, detail: string): DoctorCheck => ({ check, status: 'OK', detail });
export const fail = (check: string, detail: string, fix: string): DoctorCheck => ({
  check,
  status: 'FAIL',
  detail,
  fix,
});
export const skip = (check: string, detail: string): DoctorCheck => ({ check, status: 'SKIP', detail });

/** The clock of this host against the database's: transfers, leases and alerts compare their times. */
export function clockCheck(skewMs: number, maxSkewMs = 2000): DoctorCheck {
  const detail = `${skewMs >= 0 ? '+' : ''}${(skewMs / 1000).toFixed(3)} s against the database`;
  return Math.abs(skewMs) <= maxSkewMs
    ? ok('clock', detail)
    : fail(
        'clock',
        `${detail} (more than ${maxSkewMs / 1000} s)`,
        'run NTP (chrony or systemd-timesyncd) here and on the database host',
      );
}
