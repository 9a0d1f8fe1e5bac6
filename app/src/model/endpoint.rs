//! Who may call each server function, and how large a request it takes: declared beside the
//! functions and read by the server from the path alone, before a byte of the body is read, so
//! that a caller who may not call a function costs no parsing and no memory.

/// Who may call a server function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not: sign-in, setup, an emailed alert link.
    Anyone,
    /// Any signed-in user, viewer or admin.
    SignedIn,
    /// Admins only; the phrase completes "Only admins can …" in the refusal a viewer gets.
    Admin(&'static str),
}

/// One server function's door.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    /// Its path under the API prefix, as its `#[server(endpoint = …)]` names it.
    pub path: &'static str,
    pub access: Access,
    /// The largest request body it reads, in bytes.
    pub max_body: usize,
    /// The audit trail's action for a viewer refused at the door (the item is not known
    /// there: the body is not read); `None` for the path's own name, or the kind's
    /// `<kind>.<verb>` for a kind's function.
    pub refusal_action: Option<&'static str>,
}

/// What a function's body may be unless it says otherwise: far more than any of the small forms
/// needs, and small enough that many refused requests at once cost little memory.
pub const SMALL_BODY: usize = 64 * 1024;

/// What only admins may do to AWS items, for refusals.
pub const CHANGE_AWS: &str = "change AWS resources";

impl Endpoint {
    pub const fn anyone(path: &'static str) -> Self {
        Self {
            path,
            access: Access::Anyone,
            max_body: SMALL_BODY,
            refusal_action: None,
        }
    }

    pub const fn signed_in(path: &'static str) -> Self {
        Self {
            path,
            access: Access::SignedIn,
            max_body: SMALL_BODY,
            refusal_action: None,
        }
    }

    pub const fn admin(path: &'static str, what: &'static str) -> Self {
        Self {
            path,
            access: Access::Admin(what),
            max_body: SMALL_BODY,
            refusal_action: None,
        }
    }

    /// A change to AWS items: admins only.
    pub const fn changes_aws(path: &'static str) -> Self {
        Self::admin(path, CHANGE_AWS)
    }

    /// A viewer's refusal is audited as `action`, the action the function itself audits.
    pub const fn audited_as(self, action: &'static str) -> Self {
        Self {
            refusal_action: Some(action),
            ..self
        }
    }

    /// Takes bodies up to `bytes` (a form that carries a document).
    pub const fn taking(self, bytes: usize) -> Self {
        Self {
            max_body: bytes,
            ..self
        }
    }
}

/// A form field of up to `characters` characters, percent-encoded as a browser posts it (at
/// most three bytes a character for the ASCII AWS's documents hold), with room for the rest of
/// the form.
pub const fn form_of(characters: usize) -> usize {
    characters * 3 + SMALL_BODY
}

/// A form that carries tags (up to 50, as `key=value` lines) beside small fields: every
/// character may be multi-byte and percent-encoded.
pub const WITH_TAGS: usize = 256 * 1024;

/// A form with lists (a tag rule's allowed values, a bulk edit's operations and selection).
pub const LISTS: usize = 1024 * 1024;
