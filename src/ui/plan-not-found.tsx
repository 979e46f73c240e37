// What every screen of one plan shows when that plan is not on this device (a wrong link, or
// deleted): a heading and the way back to the plan list.
import { Link } from './link';
import { paths } from './router';

export function PlanNotFound() {
  return (
    <section class="page">
      <h1>計画が見つかりません</h1>
      <Link href={paths.plans()}>計画の一覧へ</Link>
    </section>
  );
}
