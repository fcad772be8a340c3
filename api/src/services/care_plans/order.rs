//! The order of a plan's exercises, which is the order of the patient's today list.
//!
//! Invariant: after a move, the plan's current (not removed) exercises hold positions
//! `0..n` without gaps or ties, so "move to position k" means the same to every client
//! however earlier adds and removals numbered them.

use chrono::{DateTime, Utc};
use entity::{care_plan, care_plan_version::Change, plan_exercise};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait, sea_query::Expr,
};
use uuid::Uuid;

use super::{PlanError, PlanView, change::change, find_plan, view};
use crate::{auth::Principal, ids::PlanId};

/// The current exercises of a plan in today's order.
async fn current<C: ConnectionTrait>(db: &C, plan_id: PlanId) -> Result<Vec<plan_exercise::Model>, PlanError> {
    Ok(plan_exercise::Entity::find()
        .filter(plan_exercise::Column::PlanId.eq(plan_id))
        .filter(plan_exercise::Column::RemovedAt.is_null())
        .order_by_asc(plan_exercise::Column::Position)
        .order_by_asc(plan_exercise::Column::Id)
        .all(db)
        .await?)
}

/// `items` with the one at `from` moved to `to`; the others keep their relative order.
fn reordered<T>(mut items: Vec<T>, from: usize, to: usize) -> Vec<T> {
    let item = items.remove(from);
    items.insert(to.min(items.len()), item);
    items
}

/// Where the item is now and where it should go, checked against the current items.
fn place(items: &[plan_exercise::Model], item_id: Uuid, position: u32) -> Result<(usize, usize), PlanError> {
    let from = items.iter().position(|i| i.id == item_id).ok_or(PlanError::NotFound)?;
    let to = usize::try_from(position).unwrap_or(usize::MAX);
    if to >= items.len() {
        return Err(PlanError::Invalid("position", "must be below the number of exercises in the plan"));
    }
    Ok((from, to))
}

/// Moves one prescribed exercise to `position` (0 = first) among the plan's current
/// exercises; the others keep their relative order. A move to where the item already is
/// changes nothing and makes no new version.
pub async fn move_exercise<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    plan_id: PlanId,
    item_id: Uuid,
    position: u32,
) -> Result<PlanView, PlanError> {
    let plan = find_plan(db, who, plan_id).await?;
    let (from, to) = place(&current(db, plan_id).await?, item_id, position)?;
    if from == to {
        return Ok(view(db, &plan).await?);
    }
    change(db, now, who, plan_id, Change::ExerciseMoved, async |txn| {
        // Touch the plan first: on PostgreSQL the row lock makes a concurrent change to
        // this plan wait (SQLite write transactions already run one at a time), so the
        // order read next is the one this move rewrites.
        care_plan::Entity::update_many()
            .col_expr(care_plan::Column::UpdatedAt, Expr::value(now))
            .filter(care_plan::Column::Id.eq(plan_id))
            .exec(txn)
            .await?;
        let items = current(txn, plan_id).await?;
        let (from, to) = place(&items, item_id, position)?;
        for (index, item) in reordered(items, from, to).into_iter().enumerate() {
            // Plans hold a handful of exercises; the index always fits.
            let index = index as i32;
            if item.position != index {
                let mut row: plan_exercise::ActiveModel = item.into();
                row.position = Set(index);
                row.updated_at = Set(now);
                row.update(txn).await?;
            }
        }
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::reordered;

    #[test]
    fn moving_down_shifts_the_items_between_up() {
        assert_eq!(reordered(vec![1, 2, 3, 4], 0, 2), [2, 3, 1, 4]);
    }

    #[test]
    fn moving_up_shifts_the_items_between_down() {
        assert_eq!(reordered(vec![1, 2, 3, 4], 3, 0), [4, 1, 2, 3]);
    }

    #[test]
    fn moving_to_the_end_keeps_every_item_once() {
        assert_eq!(reordered(vec![1, 2, 3], 1, 2), [1, 3, 2]);
    }
}
