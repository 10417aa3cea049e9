//! Every word the widget shows or announces, in English and Traditional Chinese (Taiwan).
//! `data-locale` picks one (`en`, `zh-TW`); `auto`, the default, follows the browser's languages.
//! Templates hold one `{}` for the number or text that goes in.

#[derive(Debug, PartialEq)]
pub struct Texts {
    /// The language tag of these words, for the widget's `lang` attribute: a screen reader
    /// then reads them in the right voice whatever the host page's language.
    pub lang: &'static str,
    /// The panel's title when the site sets none (`data-title`).
    pub title: &'static str,
    /// Between the items of a list of names ("a.png, b.png"; "a.png、b.png").
    pub list_separator: &'static str,
    /// Between two parts of one label ("Jump to latest, 2 new").
    pub clause_separator: &'static str,
    /// Between two sentences said together (Chinese puts no space after its full stop).
    pub sentence_separator: &'static str,
    pub open_chat: &'static str,
    pub open_chat_unread: &'static str,
    /// The launcher's name while a problem put up with the panel closed waits to be seen.
    pub open_chat_problem: &'static str,
    pub close_chat: &'static str,
    pub new_conversation: &'static str,
    pub message_box: &'static str,
    pub placeholder: &'static str,
    pub send: &'static str,
    pub stop: &'static str,
    pub messages: &'static str,
    pub loading_history: &'static str,
    pub history_failed: &'static str,
    pub suggestions: &'static str,
    pub typing: &'static str,
    pub not_sent: &'static str,
    pub reply_interrupted: &'static str,
    pub stopped: &'static str,
    pub retry: &'static str,
    /// A failed upload's Retry, named after its file.
    pub retry_upload: &'static str,
    pub copy: &'static str,
    pub copied: &'static str,
    /// A Copy button after the browser would not copy.
    pub copy_failed: &'static str,
    pub copy_message: &'static str,
    pub copy_code: &'static str,
    /// A code block's name, for a screen reader that reaches it.
    pub code: &'static str,
    pub sources: &'static str,
    pub source: &'static str,
    pub page: &'static str,
    pub file: &'static str,
    /// A sent picture that cannot be shown (gone from storage): its name, with this.
    pub picture_unavailable: &'static str,
    pub assistant_said: &'static str,
    /// Said before the first of a run of the visitor's messages, and of the assistant's when
    /// no name shows above it: screen readers do not see which side a bubble sits on.
    pub from_you: &'static str,
    pub from_assistant: &'static str,
    pub crashed: &'static str,
    pub busy: &'static str,
    pub had_problem: &'static str,
    pub dropped: &'static str,
    pub retrying_in: &'static str,
    pub offline: &'static str,
    /// A file not uploaded for want of a connection, named.
    pub upload_when_online: &'static str,
    /// Something asked again (Regenerate) that could not go for want of a connection.
    pub offline_try_again: &'static str,
    /// The conversation's history could not be read for want of a connection.
    pub offline_history: &'static str,
    /// A reply cut off while the browser is offline.
    pub offline_cut: &'static str,
    /// The backend no longer has the conversation stored (it forgot it, or it is not this
    /// browser's): the next message starts a new one.
    pub conversation_gone: &'static str,
    /// A message went to a new conversation, as the backend no longer had the one the list
    /// shows.
    pub conversation_started_anew: &'static str,
    pub unreachable: &'static str,
    pub too_slow: &'static str,
    pub aborted: &'static str,
    pub denied: &'static str,
    pub not_found: &'static str,
    pub cut_off: &'static str,
    pub reply_too_long: &'static str,
    pub rate_limited: &'static str,
    pub server_trouble: &'static str,
    pub rejected_because: &'static str,
    pub rejected: &'static str,
    pub files_gone: &'static str,
    pub unexpected: &'static str,
    pub contact_intro: &'static str,
    pub contact_name: &'static str,
    pub contact_reach: &'static str,
    pub contact_start: &'static str,
    pub contact_skip: &'static str,
    pub contact_name_missing: &'static str,
    pub contact_name_invalid: &'static str,
    pub contact_reach_missing: &'static str,
    pub contact_email_invalid: &'static str,
    pub contact_phone_invalid: &'static str,
    pub jump_to_latest: &'static str,
    pub new_replies: &'static str,
    pub confirm_new: &'static str,
    pub start_new: &'static str,
    pub cancel: &'static str,
    pub still_working: &'static str,
    /// Said when this tab follows another tab of the site into another conversation (one
    /// started there, or begun anew)…
    pub other_tab_conversation: &'static str,
    /// …or shows the messages sent and answered there.
    pub other_tab_messages: &'static str,
    /// Shown when another tab started a conversation at the same moment as this one, and the
    /// messages this tab had sent to its own go to that one again.
    pub sent_again_to_other_tab: &'static str,
    pub attach_image: &'static str,
    pub attach_file: &'static str,
    pub files_to_send: &'static str,
    pub remove_file: &'static str,
    pub uploading_file: &'static str,
    pub file_too_large: &'static str,
    pub size_limit: &'static str,
    pub file_wrong_type: &'static str,
    pub too_many_files: &'static str,
    /// The files past the most a message takes, named.
    pub left_out: &'static str,
    pub file_empty: &'static str,
    pub upload_quota: &'static str,
    pub storage_down: &'static str,
    pub upload_failed: &'static str,
    pub waiting_for_uploads: &'static str,
    pub waiting_for_reply: &'static str,
    pub drop_files: &'static str,
    pub drop_images: &'static str,
    /// What a site takes, named after a file refused for its kind.
    pub accepted_kinds: &'static str,
    /// `image/*` in that list.
    pub any_image: &'static str,
    /// The same file chosen again.
    pub already_attached: &'static str,
    /// A chip's state beside its size: waiting for its turn, for the connection, or failed.
    pub chip_waiting: &'static str,
    pub chip_offline: &'static str,
    pub chip_failed: &'static str,
    pub today: &'static str,
    pub yesterday: &'static str,
    pub empty_invite: &'static str,
    pub regenerate: &'static str,
    pub previous_version: &'static str,
    pub next_version: &'static str,
    /// Which version of a regenerated reply shows, of how many: two `{}`, the one and the count.
    pub version_of: &'static str,
    /// Near the message length limit, under the message box: `{}` characters may still be
    /// added. `_one`: one may.
    pub chars_left: &'static str,
    pub chars_left_one: &'static str,
    /// Over the limit, under the message box.
    pub chars_over: &'static str,
    pub chars_over_one: &'static str,
    /// Send pressed over the limit: nothing goes.
    pub too_long: &'static str,
    pub too_long_one: &'static str,
    /// The server refused a message as too large: its words are back in the message box.
    pub too_long_refused: &'static str,
    /// [`Texts::too_long_refused`] for a message with files: they are back beside the words.
    pub too_long_refused_files: &'static str,
    /// Files attached but not uploaded (or uploaded to a conversation since left) when the page
    /// reloaded, named.
    pub files_not_kept: &'static str,
    /// A file brought back after a reload or a refusal, uploaded to a conversation since left:
    /// it cannot be uploaded again without the visitor choosing it again.
    pub uploaded_elsewhere: &'static str,
}

pub static EN: Texts = Texts {
    lang: "en",
    title: "Chat",
    list_separator: ", ",
    clause_separator: ", ",
    sentence_separator: " ",
    open_chat: "Open chat",
    open_chat_unread: "Open chat, {} unread",
    open_chat_problem: "Open chat: {}",
    close_chat: "Close chat",
    new_conversation: "New conversation",
    message_box: "Message",
    placeholder: "Type a message…",
    send: "Send",
    stop: "Stop the reply",
    messages: "Messages",
    loading_history: "Loading earlier messages…",
    history_failed: "Earlier messages could not be loaded.",
    suggestions: "Suggestions",
    typing: "The assistant is typing",
    not_sent: "Not sent",
    reply_interrupted: "Reply interrupted",
    stopped: "Stopped",
    retry: "Retry",
    retry_upload: "Retry {}",
    copy: "Copy",
    copied: "Copied",
    copy_failed: "Couldn't copy",
    copy_message: "Copy message",
    copy_code: "Copy code",
    code: "Code",
    sources: "Sources ({})",
    source: "Source",
    page: " · p. {}",
    file: "file",
    picture_unavailable: "{} (no longer available)",
    assistant_said: "Assistant: {}",
    from_you: "You:",
    from_assistant: "Assistant:",
    crashed: "The chat stopped working. Reload the page to try again.",
    busy: "The assistant is busy.",
    had_problem: "The assistant had a problem.",
    dropped: "The connection dropped.",
    retrying_in: "Retrying in {} s…",
    offline: "You're offline. Your message will be sent when you're back online.",
    upload_when_online: "You're offline: {} will be uploaded when you're back online.",
    offline_try_again: "You're offline. Try again when you're back online.",
    offline_history: "You're offline. The conversation will load when you're back online.",
    offline_cut: "You're offline, so the reply was cut off. The chat will look for the whole reply when you're back online.",
    conversation_gone: "Your earlier conversation is no longer available. Your next message starts a new one.",
    conversation_started_anew: "The assistant no longer has the messages above: this one started a new conversation.",
    unreachable: "Can't reach the assistant. Check your connection and try again.",
    too_slow: "The assistant is taking too long to answer. Try again.",
    aborted: "Stopped.",
    denied: "The chat isn't set up correctly (access denied). Please tell the site owner.",
    not_found: "The chat couldn't be found. Please tell the site owner.",
    cut_off: "The assistant's reply was cut off. Try again.",
    reply_too_long: "The assistant's reply was too long to show in full.",
    rate_limited: "The assistant is busy right now. Try again in a moment.",
    server_trouble: "The assistant is having trouble right now. Try again in a moment.",
    rejected_because: "The message was not accepted: {}",
    rejected: "The message was not accepted.",
    files_gone: "The files of your message are no longer available. Your words are back in the message box: attach the files again and send.",
    unexpected: "The assistant sent something unexpected. Try again in a moment.",
    contact_intro: "Before we start: how can we reach you if we follow up?",
    contact_name: "Your name",
    contact_reach: "Email or phone",
    contact_start: "Start chatting",
    contact_skip: "Skip",
    contact_name_missing: "Please enter your name.",
    contact_name_invalid: "Please enter a shorter name.",
    contact_reach_missing: "Please enter an email address or a phone number.",
    contact_email_invalid: "That email address does not look right.",
    contact_phone_invalid: "That phone number does not look right.",
    jump_to_latest: "Jump to latest",
    new_replies: "{} new",
    confirm_new: "Start a new conversation? This one will be cleared.",
    start_new: "Start new",
    cancel: "Cancel",
    still_working: "Still working on it…",
    other_tab_conversation: "Another tab started a new conversation.",
    other_tab_messages: "New messages from another tab.",
    sent_again_to_other_tab: "Another tab started the conversation at the same moment: what you sent here goes to it again.",
    attach_image: "Attach an image",
    attach_file: "Attach a file",
    files_to_send: "Files to send",
    remove_file: "Remove {}",
    uploading_file: "Uploading {}",
    file_too_large: "{} is too large.",
    size_limit: "Files can be up to {}.",
    file_wrong_type: "{} can't be sent: this kind of file isn't accepted here.",
    too_many_files: "Up to {} files per message.",
    left_out: "Left out: {}.",
    file_empty: "{} is empty.",
    upload_quota: "You've reached the upload limit for this conversation.",
    storage_down: "Files can't be sent right now. Try again in a moment.",
    upload_failed: "Couldn't upload {}.",
    waiting_for_uploads: "Your message will be sent when the files are uploaded.",
    waiting_for_reply: "Your message will be sent when the reply ends.",
    drop_files: "Drop files here to attach them",
    drop_images: "Drop images here to attach them",
    accepted_kinds: "You can send {}.",
    any_image: "any image",
    already_attached: "{} is already attached.",
    chip_waiting: "Waiting",
    chip_offline: "Offline",
    chip_failed: "Not uploaded",
    today: "Today",
    yesterday: "Yesterday",
    empty_invite: "Hi! Ask me anything — I'm here to help.",
    regenerate: "Regenerate",
    previous_version: "Previous version",
    next_version: "Next version",
    version_of: "Version {} of {}",
    chars_left: "{} characters left",
    chars_left_one: "1 character left",
    chars_over: "{} characters over the limit",
    chars_over_one: "1 character over the limit",
    too_long: "Your message is too long: shorten it by {} characters to send it.",
    too_long_one: "Your message is too long: shorten it by 1 character to send it.",
    too_long_refused: "Your message was too long to send. Your words are back in the message box: shorten them and send again.",
    too_long_refused_files: "Your message was too long to send. Your words and files are back in the message box: shorten the words and send again.",
    files_not_kept: "{} could not be kept when the page reloaded: attach again to send.",
    uploaded_elsewhere: "{} belongs to the earlier conversation: remove it and attach it again.",
};

pub static ZH_TW: Texts = Texts {
    lang: "zh-TW",
    title: "對話",
    list_separator: "、",
    clause_separator: "，",
    sentence_separator: "",
    open_chat: "開啟對話",
    open_chat_unread: "開啟對話，{} 則未讀",
    open_chat_problem: "開啟對話：{}",
    close_chat: "關閉對話",
    new_conversation: "新對話",
    message_box: "訊息",
    placeholder: "輸入訊息…",
    send: "傳送",
    stop: "停止回覆",
    messages: "訊息列表",
    loading_history: "正在載入先前的訊息…",
    history_failed: "無法載入先前的訊息。",
    suggestions: "建議問題",
    typing: "助理正在輸入",
    not_sent: "未送出",
    reply_interrupted: "回覆中斷",
    stopped: "已停止",
    retry: "重試",
    retry_upload: "重試 {}",
    copy: "複製",
    copied: "已複製",
    copy_failed: "無法複製",
    copy_message: "複製訊息",
    copy_code: "複製程式碼",
    code: "程式碼",
    sources: "來源（{}）",
    source: "來源",
    page: " · 第 {} 頁",
    file: "檔案",
    picture_unavailable: "{}（已無法顯示）",
    assistant_said: "助理：{}",
    from_you: "你：",
    from_assistant: "助理：",
    crashed: "對話功能發生錯誤，請重新整理頁面後再試。",
    busy: "助理忙碌中。",
    had_problem: "助理發生問題。",
    dropped: "連線中斷。",
    retrying_in: "{} 秒後自動重試…",
    offline: "您目前離線。恢復連線後，訊息會自動送出。",
    upload_when_online: "您目前離線：恢復連線後會上傳 {}。",
    offline_try_again: "您目前離線。請在恢復連線後再試一次。",
    offline_history: "您目前離線。恢復連線後，對話會自動載入。",
    offline_cut: "您目前離線，回覆因此中斷。恢復連線後會再查看完整的回覆。",
    conversation_gone: "先前的對話已無法取得。您的下一則訊息會開啟新的對話。",
    conversation_started_anew: "助理已無法取得上方的訊息：這則訊息開啟了新的對話。",
    unreachable: "無法連線到助理，請檢查網路連線後再試一次。",
    too_slow: "助理回覆時間過長，請再試一次。",
    aborted: "已停止。",
    denied: "對話設定有誤（存取遭拒），請通知網站管理員。",
    not_found: "找不到這個對話服務，請通知網站管理員。",
    cut_off: "助理的回覆被中斷，請再試一次。",
    reply_too_long: "助理的回覆太長，無法完整顯示。",
    rate_limited: "助理目前忙碌中，請稍後再試。",
    server_trouble: "助理目前發生問題，請稍後再試。",
    rejected_because: "訊息未被接受：{}",
    rejected: "訊息未被接受。",
    files_gone: "您訊息中的檔案已無法使用。文字已放回輸入框：請重新附加檔案後再送出。",
    unexpected: "助理傳回了無法辨識的內容，請稍後再試。",
    contact_intro: "開始之前：如需後續聯絡，該如何找到您？",
    contact_name: "您的姓名",
    contact_reach: "電子郵件或電話",
    contact_start: "開始對話",
    contact_skip: "略過",
    contact_name_missing: "請輸入您的姓名。",
    contact_name_invalid: "請輸入較短的姓名。",
    contact_reach_missing: "請輸入電子郵件或電話號碼。",
    contact_email_invalid: "電子郵件地址似乎不正確。",
    contact_phone_invalid: "電話號碼似乎不正確。",
    jump_to_latest: "跳到最新訊息",
    new_replies: "{} 則新訊息",
    confirm_new: "要開始新對話嗎？目前的對話將被清除。",
    start_new: "開始新對話",
    cancel: "取消",
    still_working: "仍在處理中…",
    other_tab_conversation: "另一個分頁開始了新的對話。",
    other_tab_messages: "另一個分頁有新的訊息。",
    sent_again_to_other_tab:
        "另一個分頁在同一時間開始了對話：您在這裡傳送的訊息會再次傳送到該對話。",
    attach_image: "附加圖片",
    attach_file: "附加檔案",
    files_to_send: "要傳送的檔案",
    remove_file: "移除 {}",
    uploading_file: "正在上傳 {}",
    file_too_large: "{} 太大了。",
    size_limit: "檔案大小上限為 {}。",
    file_wrong_type: "無法傳送 {}：這裡不接受這種檔案。",
    too_many_files: "每則訊息最多 {} 個檔案。",
    left_out: "未加入：{}。",
    file_empty: "{} 是空的檔案。",
    upload_quota: "這個對話的上傳額度已用完。",
    storage_down: "目前無法傳送檔案，請稍後再試。",
    upload_failed: "無法上傳 {}。",
    waiting_for_uploads: "檔案上傳完成後會送出您的訊息。",
    waiting_for_reply: "回覆結束後會送出您的訊息。",
    drop_files: "將檔案拖放到這裡即可附加",
    drop_images: "將圖片拖放到這裡即可附加",
    accepted_kinds: "可以傳送的檔案：{}。",
    any_image: "任何圖片",
    already_attached: "{} 已經附加了。",
    chip_waiting: "等待中",
    chip_offline: "離線",
    chip_failed: "未上傳",
    today: "今天",
    yesterday: "昨天",
    empty_invite: "您好！有任何問題都可以問我。",
    regenerate: "重新產生",
    previous_version: "上一個版本",
    next_version: "下一個版本",
    version_of: "第 {} 版，共 {} 版",
    chars_left: "還可輸入 {} 個字",
    chars_left_one: "還可輸入 1 個字",
    chars_over: "超過上限 {} 個字",
    chars_over_one: "超過上限 1 個字",
    too_long: "訊息太長了：請刪減 {} 個字後再送出。",
    too_long_one: "訊息太長了：請刪減 1 個字後再送出。",
    too_long_refused: "訊息太長，無法送出。文字已放回輸入框：請刪減後再送出。",
    too_long_refused_files: "訊息太長，無法送出。文字和檔案已放回輸入框：請刪減文字後再送出。",
    files_not_kept: "重新載入頁面時無法保留 {}：請重新附加後再送出。",
    uploaded_elsewhere: "{} 屬於先前的對話：請移除後重新附加。",
};

/// What `data-locale` asks for.
#[derive(Debug, PartialEq)]
pub enum Locale {
    /// The browser's languages decide.
    Auto,
    Fixed(&'static Texts),
}

/// `data-locale` as written; `None` for a locale the widget does not speak.
pub fn for_attribute(value: &str) -> Option<Locale> {
    match value.trim().to_ascii_lowercase().as_str() {
        "" | "auto" => Some(Locale::Auto),
        "en" => Some(Locale::Fixed(&EN)),
        "zh-tw" => Some(Locale::Fixed(&ZH_TW)),
        _ => None,
    }
}

/// The first of the visitor's languages (most preferred first) the widget speaks; English
/// otherwise. Traditional Chinese answers zh-TW, zh-HK, zh-MO and zh-Hant.
pub fn for_languages<'a>(languages: impl IntoIterator<Item = &'a str>) -> &'static Texts {
    for tag in languages {
        let tag = tag.to_ascii_lowercase();
        let mut parts = tag.split(['-', '_']);
        match parts.next() {
            Some("en") => return &EN,
            Some("zh") if parts.any(|p| matches!(p, "tw" | "hk" | "mo" | "hant")) => return &ZH_TW,
            _ => {}
        }
    }
    &EN
}

/// `template` with its `{}` replaced by `value`.
pub fn fill(template: &str, value: impl std::fmt::Display) -> String {
    match template.find("{}") {
        Some(at) => [&template[..at], &value.to_string(), &template[at + 2..]].concat(),
        None => template.to_string(),
    }
}

/// `many` filled with `n`, its thousands grouped, or `one` when `n` is 1.
pub fn counted(one: &str, many: &str, n: usize) -> String {
    if n == 1 {
        one.to_owned()
    } else {
        fill(many, grouped(n))
    }
}

/// `n` with its thousands grouped by commas (`12,345`), as both languages write them.
pub fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_attribute() {
        assert_eq!(for_attribute("zh-TW"), Some(Locale::Fixed(&ZH_TW)));
        assert_eq!(for_attribute(" EN "), Some(Locale::Fixed(&EN)));
        assert_eq!(for_attribute("auto"), Some(Locale::Auto));
        assert_eq!(for_attribute("fr"), None);
    }

    #[test]
    fn browser_languages() {
        assert_eq!(for_languages(["zh-TW", "en"]), &ZH_TW);
        assert_eq!(for_languages(["zh-Hant-HK"]), &ZH_TW);
        // Simplified Chinese is not offered: the next language the visitor reads wins.
        assert_eq!(for_languages(["zh-CN", "en-GB"]), &EN);
        assert_eq!(for_languages(["fr", "zh_tw"]), &ZH_TW);
        assert_eq!(for_languages([]), &EN);
    }

    #[test]
    fn every_template_has_one_slot_in_both_languages() {
        for texts in [&EN, &ZH_TW] {
            for template in [
                texts.open_chat_unread,
                texts.open_chat_problem,
                texts.sources,
                texts.page,
                texts.assistant_said,
                texts.retrying_in,
                texts.rejected_because,
                texts.new_replies,
                texts.remove_file,
                texts.upload_when_online,
                texts.files_not_kept,
                texts.uploaded_elsewhere,
                texts.retry_upload,
                texts.uploading_file,
                texts.file_too_large,
                texts.size_limit,
                texts.file_wrong_type,
                texts.too_many_files,
                texts.left_out,
                texts.file_empty,
                texts.upload_failed,
                texts.chars_left,
                texts.chars_over,
                texts.too_long,
            ] {
                assert_eq!(template.matches("{}").count(), 1, "{template}");
            }
            // Which version of how many.
            assert_eq!(texts.version_of.matches("{}").count(), 2);
        }
        assert_eq!(fill(ZH_TW.sources, 3), "來源（3）");
    }

    #[test]
    fn counts_of_one_say_the_number_they_stand_for() {
        for texts in [&EN, &ZH_TW] {
            for (one, many) in [
                (texts.chars_left_one, texts.chars_left),
                (texts.chars_over_one, texts.chars_over),
                (texts.too_long_one, texts.too_long),
            ] {
                assert_eq!(one, fill(many, 1).replace("characters", "character"));
            }
        }
    }

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(12_345), "12,345");
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(
            counted(EN.chars_left_one, EN.chars_left, 1),
            "1 character left"
        );
        assert_eq!(
            counted(EN.chars_left_one, EN.chars_left, 1200),
            "1,200 characters left"
        );
        assert_eq!(
            counted(ZH_TW.chars_over_one, ZH_TW.chars_over, 2),
            "超過上限 2 個字"
        );
    }
}
