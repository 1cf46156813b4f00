//! `/feedback`: a short form — a score from 1 to 5 and, if the reader wishes, a few words —
//! feeding the same feedback the kiosks collect (a `feedback` transaction, here of the `web`
//! origin, branch `web`). No sign-in and nothing asked about the person.

use crate::web::kit::forms::Visitor;
use crate::web::kit::layout::{self, Page};
use crate::web::kit::{PageError, WebState, read_view};
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;
use serde::Deserialize;
use swalayan_core::contract::protocol::Outcome;
use swalayan_core::contract::transactions::{FeedbackPayload, TxBody};

/// Longest comment kept.
pub const MAX_COMMENT: usize = 1_000;

/// The branch feedback from the web is counted under.
pub const WEB_BRANCH: &str = "web";

pub async fn page(State(state): State<WebState>, visitor: Visitor) -> Response {
    form_page(&state, &visitor, None, StatusCode::OK)
}

fn form_page(
    state: &WebState,
    visitor: &Visitor,
    said: Option<&str>,
    status: StatusCode,
) -> Response {
    let lang = visitor.reader.lang;
    let scores = [
        (1, lang.pick("Sangat buruk", "Very poor")),
        (2, lang.pick("Buruk", "Poor")),
        (3, lang.pick("Cukup", "Fair")),
        (4, lang.pick("Baik", "Good")),
        (5, lang.pick("Sangat baik", "Very good")),
    ];
    let body = html! {
        h1 { (lang.pick("Saran dan penilaian", "Feedback")) }
        @if let Some(said) = said { p.problem role="alert" { (said) } }
        p { (lang.pick("Bagaimana pengalaman Anda dengan perpustakaan? Jawaban Anda tanpa nama.", "How was your experience of the library? Your answer is anonymous.")) }
        form method="post" action="/feedback" {
            (visitor.token_field())
            fieldset {
                legend { (lang.pick("Nilai", "Score")) }
                @for (score, label) in scores {
                    p.choice {
                        input type="radio" name="score" id=(format!("score{score}")) value=(score) required;
                        " "
                        label for=(format!("score{score}")) { (score) " — " (label) }
                    }
                }
            }
            p {
                label for="comment" { (lang.pick("Saran (boleh dikosongkan)", "Comments (optional)")) }
                textarea #comment name="comment" rows="4" maxlength=(MAX_COMMENT) {}
            }
            button type="submit" { (lang.pick("Kirim", "Send")) }
        }
    };
    let page = Page {
        title: lang.pick("Saran dan penilaian", "Feedback").into(),
        description: lang
            .pick(
                "Beri nilai dan saran untuk layanan perpustakaan.",
                "Rate the library's service and tell us what to improve.",
            )
            .into(),
        path: "/feedback".into(),
        index: true,
        schema: None,
    };
    let mut response = layout::render(state, &visitor.reader, &page, body);
    *response.status_mut() = status;
    visitor.finish(response)
}

#[derive(Deserialize)]
pub struct FeedbackForm {
    csrf: String,
    score: Option<String>,
    comment: Option<String>,
}

pub async fn submit(
    State(state): State<WebState>,
    visitor: Visitor,
    Form(form): Form<FeedbackForm>,
) -> Result<Response, PageError> {
    let lang = visitor.reader.lang;
    if !visitor.form_is_genuine(&form.csrf) {
        let said = lang.pick(
            "Formulir ini sudah tidak berlaku. Isi sekali lagi.",
            "This form is no longer valid. Please fill it in again.",
        );
        return Ok(form_page(
            &state,
            &visitor,
            Some(said),
            StatusCode::FORBIDDEN,
        ));
    }
    let Some(score) = form
        .score
        .and_then(|s| s.parse::<u8>().ok())
        .filter(|s| (1..=5).contains(s))
    else {
        let said = lang.pick(
            "Pilih nilai dari 1 sampai 5.",
            "Choose a score from 1 to 5.",
        );
        return Ok(form_page(
            &state,
            &visitor,
            Some(said),
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    };
    let from = visitor.from.to_string();
    if !state
        .throttles
        .feedback_posts
        .allow(&from, std::time::Instant::now())
    {
        tracing::warn!(from = %visitor.from, "feedback: too many posts");
        let said = lang.pick(
            "Terlalu banyak penilaian dari perangkat ini. Coba lagi nanti.",
            "Too much feedback from this device. Please try again later.",
        );
        return Ok(form_page(
            &state,
            &visitor,
            Some(said),
            StatusCode::TOO_MANY_REQUESTS,
        ));
    }
    let comment: Option<String> = form
        .comment
        .map(|c| c.trim().chars().take(MAX_COMMENT).collect::<String>())
        .filter(|c| !c.is_empty());
    // The first from an address each library day counts; the rest are kept, marked.
    let today = state.library.local_now().date();
    let repeat = !state.throttles.feedback_firsts.first(&from, today);
    let body = TxBody::Feedback(FeedbackPayload {
        score,
        branch: WEB_BRANCH.into(),
        comment,
        repeat,
    });
    let outcome = read_view(&state, &visitor.reader, move |state| {
        super::renew::record(state, &body, jiff::Timestamp::now())
    })
    .await?;
    if outcome != Outcome::Applied {
        return Err(PageError::internal(
            visitor.reader.clone(),
            format!("feedback: {outcome:?}"),
        ));
    }
    let page = layout::Message {
        status: StatusCode::OK,
        title: lang.pick("Terima kasih", "Thank you"),
        sentence: lang.pick(
            "Penilaian Anda sudah kami terima.",
            "We have received your feedback.",
        ),
        alert: false,
        path: "/feedback",
        onward: ("/", lang.pick("Ke beranda", "To the home page")),
    };
    Ok(visitor.finish(layout::message(&state, &visitor.reader, page)))
}
