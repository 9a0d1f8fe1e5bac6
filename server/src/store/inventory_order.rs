//! The orders an inventory can be sorted in, term by term, as SQL: the one place pages, share
//! views and exports take them from, and the orders the indices of migration `inventory_orders`
//! are built for.

/// One term of an `ORDER BY`: an expression over `r` and whether it descends.
pub(super) type SortKey = (&'static str, bool);

const NAME: SortKey = ("r.name COLLATE NOCASE", false);
const ID: SortKey = ("r.id", false);
const ACCOUNT: SortKey = ("r.account", false);
const REGION: SortKey = ("r.region", false);
const NAME_DOWN: SortKey = ("r.name COLLATE NOCASE", true);
const ID_DOWN: SortKey = ("r.id", true);
const ACCOUNT_DOWN: SortKey = ("r.account", true);
const REGION_DOWN: SortKey = ("r.region", true);

/// The order of a sort named in the URL, term by term; unknown names sort by expiry. Every
/// order ends with the item's whole key (an id is unique only within its account and region),
/// so that pages never overlap or skip an item. Exports walk the same terms batch by batch
/// (`store::batches`), so a page and an export list items alike. Each order is an index's
/// (migration `inventory_orders`).
pub(super) fn sort_keys(sort: &str) -> &'static [SortKey] {
    match sort {
        "-expiry" => &[
            ("ifnull(r.expires_at, '')", true),
            NAME,
            ID,
            REGION,
            ACCOUNT,
        ],
        "name" => &[NAME, ID, REGION, ACCOUNT],
        "-name" => &[NAME_DOWN, ID_DOWN, REGION_DOWN, ACCOUNT_DOWN],
        "account" => &[ACCOUNT, REGION, NAME, ID],
        "-account" => &[ACCOUNT_DOWN, REGION_DOWN, NAME_DOWN, ID_DOWN],
        "region" => &[REGION, ACCOUNT, NAME, ID],
        "-region" => &[REGION_DOWN, ACCOUNT_DOWN, NAME_DOWN, ID_DOWN],
        "status" => &[("r.status", false), NAME, ID, REGION, ACCOUNT],
        "-status" => &[
            ("r.status", true),
            NAME_DOWN,
            ID_DOWN,
            REGION_DOWN,
            ACCOUNT_DOWN,
        ],
        // Soonest expiry first; items without one go last.
        _ => &[
            ("ifnull(r.expires_at, '~')", false),
            NAME,
            ID,
            REGION,
            ACCOUNT,
        ],
    }
}

/// The `ORDER BY` terms, e.g. `r.name COLLATE NOCASE DESC, r.id DESC`.
pub(super) fn order_terms(keys: &[SortKey]) -> String {
    keys.iter()
        .map(|(term, descending)| {
            if *descending {
                format!("{term} DESC")
            } else {
                term.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn order_by(sort: &str) -> String {
    order_terms(sort_keys(sort))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_read_as_the_indices_expect() {
        assert_eq!(
            order_by(""),
            "ifnull(r.expires_at, '~'), r.name COLLATE NOCASE, r.id, r.region, r.account"
        );
        assert_eq!(
            order_by("-name"),
            "r.name COLLATE NOCASE DESC, r.id DESC, r.region DESC, r.account DESC"
        );
        assert_eq!(
            order_by("-expiry"),
            "ifnull(r.expires_at, '') DESC, r.name COLLATE NOCASE, r.id, r.region, r.account"
        );
    }
}
