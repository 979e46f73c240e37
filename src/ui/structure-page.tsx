export function StructurePage({ planId }: { planId: string }) {
  return <section>構成 {planId}</section>;
}
