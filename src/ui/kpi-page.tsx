export function KpiPage({ planId }: { planId: string }) {
  return <section>KPI {planId}</section>;
}
