//! The optional step before the first message (`data-ask-contact`): the visitor's name and an
//! email address or phone number, checked here as the server checks them, and sent with the
//! new conversation so the assistant's backend knows whom to follow up with (Maax V2's
//! `prospect_info`). The visitor may skip it. Nothing starts a conversation while it is asked:
//! a conversation begun without it could never carry what the visitor then gives.

use serde::{Deserialize, Serialize};

use crate::texts::Texts;

const MAX_NAME_CHARS: usize = 100;
const MAX_EMAIL_CHARS: usize = 254;

/// What the visitor gave. On the wire: `"contact": {"name", "email", "phone"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// The visitor's answer to the step, remembered so it is asked once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ContactChoice {
    Given(Contact),
    Skipped,
}

/// Where the step stands in this page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactStep {
    /// Not asked: the site does not ask, or this browser is in a conversation begun without it.
    NotAsked,
    /// The form shows in the message box's place, and waits for the visitor's answer.
    Asking,
    /// The visitor answered, in this page or before a reload.
    Answered(ContactChoice),
}

impl ContactStep {
    /// The step as a page begins: asked once, before a first conversation, when the site asks
    /// for it. `answered` is what the visitor answered before, if it was kept.
    pub fn at_start(
        asked_for: bool,
        in_conversation: bool,
        answered: Option<ContactChoice>,
    ) -> Self {
        match answered {
            _ if !asked_for => ContactStep::NotAsked,
            Some(choice) => ContactStep::Answered(choice),
            None if in_conversation => ContactStep::NotAsked,
            None => ContactStep::Asking,
        }
    }

    /// The step once another tab of the site changed what is stored: the visitor answered it
    /// there, or began a conversation there without it (the step came after, or the site asked
    /// for it only later). `None`: it stays as it is. Only a step still asked changes: an answer
    /// is not taken back.
    pub fn answered_elsewhere(
        &self,
        in_conversation: bool,
        answered: Option<ContactChoice>,
    ) -> Option<Self> {
        let now = ContactStep::at_start(true, in_conversation, answered);
        (self.asking() && !now.asking()).then_some(now)
    }

    /// Whether the form shows: the conversation cannot start yet.
    pub fn asking(&self) -> bool {
        *self == ContactStep::Asking
    }

    /// What goes with a new conversation: the details the visitor gave, if they gave them.
    pub fn contact(&self) -> Option<&Contact> {
        match self {
            ContactStep::Answered(ContactChoice::Given(contact)) => Some(contact),
            _ => None,
        }
    }
}

/// Which field is wrong, and why, in the visitor's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactProblem {
    Name(&'static str),
    Reach(&'static str),
}

fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    email.chars().count() <= MAX_EMAIL_CHARS
        && !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn valid_phone(phone: &str) -> bool {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    (6..=15).contains(&digits)
        && phone.chars().count() <= 32
        && phone
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '.' | '(' | ')'))
}

/// `text` with the full-width forms of ASCII letters, digits and signs (U+FF01 to U+FF5E), and
/// the ideographic space, as their ASCII: Chinese and Japanese input methods in full-width mode
/// type `ada＠example.com` and `０９１２３４５６７８`.
fn ascii_forms(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

/// Checks the two fields: a name, and one way to reach the visitor (an `@` makes it an email
/// address, anything else is read as a phone number; either may be typed in full-width forms,
/// and is kept in ASCII).
pub fn check(name: &str, reach: &str, t: &Texts) -> Result<Contact, ContactProblem> {
    let name = name.trim();
    let reach = ascii_forms(reach);
    let reach = reach.trim();
    if name.is_empty() {
        return Err(ContactProblem::Name(t.contact_name_missing));
    }
    if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(ContactProblem::Name(t.contact_name_invalid));
    }
    if reach.is_empty() {
        return Err(ContactProblem::Reach(t.contact_reach_missing));
    }
    let (email, phone) = if reach.contains('@') {
        if !valid_email(reach) {
            return Err(ContactProblem::Reach(t.contact_email_invalid));
        }
        (Some(reach.to_owned()), None)
    } else {
        if !valid_phone(reach) {
            return Err(ContactProblem::Reach(t.contact_phone_invalid));
        }
        (None, Some(reach.to_owned()))
    };
    Ok(Contact {
        name: name.to_owned(),
        email,
        phone,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::texts::EN;

    #[test]
    fn a_name_and_one_way_to_reach_are_needed() {
        assert_eq!(
            check(" Ada ", "ada@example.com", &EN),
            Ok(Contact {
                name: "Ada".into(),
                email: Some("ada@example.com".into()),
                phone: None
            })
        );
        assert_eq!(
            check("Bo", "+886 2-1234-5678", &EN)
                .unwrap()
                .phone
                .as_deref(),
            Some("+886 2-1234-5678")
        );
        assert_eq!(
            check("", "a@b.co", &EN),
            Err(ContactProblem::Name(EN.contact_name_missing))
        );
        assert_eq!(
            check("A", " ", &EN),
            Err(ContactProblem::Reach(EN.contact_reach_missing))
        );
        assert_eq!(
            check("A", "ada@", &EN),
            Err(ContactProblem::Reach(EN.contact_email_invalid))
        );
        assert_eq!(
            check("A", "call me", &EN),
            Err(ContactProblem::Reach(EN.contact_phone_invalid))
        );
        assert_eq!(
            check("A", "12", &EN),
            Err(ContactProblem::Reach(EN.contact_phone_invalid))
        );
        assert!(matches!(
            check(&"x".repeat(101), "a@b.co", &EN),
            Err(ContactProblem::Name(_))
        ));
    }

    #[test]
    fn full_width_forms_are_read_as_ascii() {
        assert_eq!(
            check("陳小明", " ada＠example．com ", &EN).map(|c| c.email),
            Ok(Some("ada@example.com".into()))
        );
        assert_eq!(
            check("陳小明", "０９１２　３４５　６７８", &EN).map(|c| c.phone),
            Ok(Some("0912 345 678".into()))
        );
        assert_eq!(
            check("陳小明", "0912３４５６７８", &EN).map(|c| c.phone),
            Ok(Some("0912345678".into()))
        );
        assert_eq!(
            check("A", "ada＠example", &EN),
            Err(ContactProblem::Reach(EN.contact_email_invalid)),
            "an address, if a wrong one"
        );
    }

    #[test]
    fn the_step_is_asked_once_before_a_first_conversation() {
        let given = ContactChoice::Given(Contact {
            name: "Ada".into(),
            email: Some("a@b.co".into()),
            phone: None,
        });
        assert_eq!(
            ContactStep::at_start(true, false, None),
            ContactStep::Asking
        );
        assert!(ContactStep::at_start(true, false, None).asking());
        // Answered before a reload: not asked again, and what was given still goes with a new
        // conversation.
        let answered = ContactStep::at_start(true, true, Some(given.clone()));
        assert!(!answered.asking());
        assert_eq!(answered.contact().map(|c| c.name.as_str()), Some("Ada"));
        let skipped = ContactStep::at_start(true, false, Some(ContactChoice::Skipped));
        assert!(!skipped.asking());
        assert_eq!(skipped.contact(), None);
        // A conversation begun before the site asked goes on without the step.
        assert_eq!(
            ContactStep::at_start(true, true, None),
            ContactStep::NotAsked
        );
        // A site that stopped asking sends nothing it was given.
        assert_eq!(
            ContactStep::at_start(false, false, Some(given)),
            ContactStep::NotAsked
        );
        assert_eq!(ContactStep::at_start(false, false, None).contact(), None);
    }

    #[test]
    fn a_step_answered_or_passed_by_in_another_tab_is_no_longer_asked_here() {
        let given = ContactChoice::Given(Contact {
            name: "Ada".into(),
            email: Some("a@b.co".into()),
            phone: None,
        });
        let asking = ContactStep::Asking;
        assert_eq!(
            asking.answered_elsewhere(false, Some(given.clone())),
            Some(ContactStep::Answered(given.clone()))
        );
        assert_eq!(
            asking.answered_elsewhere(true, Some(ContactChoice::Skipped)),
            Some(ContactStep::Answered(ContactChoice::Skipped))
        );
        // A conversation another tab began without it: this tab's messages go there.
        assert_eq!(
            asking.answered_elsewhere(true, None),
            Some(ContactStep::NotAsked)
        );
        // Another change (the storage cleared, a conversation forgotten): still asked.
        assert_eq!(asking.answered_elsewhere(false, None), None);
        // An answer given here stays.
        let answered = ContactStep::Answered(given);
        assert_eq!(answered.answered_elsewhere(true, None), None);
        assert_eq!(ContactStep::NotAsked.answered_elsewhere(false, None), None);
    }

    #[test]
    fn choices_travel_as_json() {
        let given = ContactChoice::Given(Contact {
            name: "Ada".into(),
            email: None,
            phone: Some("123456".into()),
        });
        let json = serde_json::to_string(&given).unwrap();
        assert_eq!(json, r#"{"given":{"name":"Ada","phone":"123456"}}"#);
        assert_eq!(serde_json::from_str::<ContactChoice>(&json).unwrap(), given);
        assert_eq!(
            serde_json::from_str::<ContactChoice>(r#""skipped""#).unwrap(),
            ContactChoice::Skipped
        );
    }
}
