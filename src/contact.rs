//! The optional step before the first message (`data-ask-contact`): the visitor's name and an
//! email address or phone number, checked here as the server checks them, and sent with the
//! new conversation so the assistant's backend knows whom to follow up with (Maax V2's
//! `prospect_info`). The visitor may skip it.

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

/// Checks the two fields: a name, and one way to reach the visitor (an `@` makes it an email
/// address, anything else is read as a phone number).
pub fn check(name: &str, reach: &str, t: &Texts) -> Result<Contact, ContactProblem> {
    let name = name.trim();
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
