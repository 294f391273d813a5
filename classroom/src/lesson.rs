//! The lesson in the browser: one step for each step of
//! `docs/CLASSROOM.md`, and one for the seized phone. Each step has a task,
//! what the teacher does, a question and an answer that checks itself:
//! either a choice, or a number the server counts in the room as it is
//! (from the cells of real decryption attempts) when the student answers.

use serde::Serialize;

use crate::room::Room;
use crate::Refusal;

/// How a step's answer is checked.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Answer {
    /// One of the choices; the index of the right one.
    Choice(&'static [&'static str], usize),
    /// A number counted in the room when the student answers.
    Count(Count),
}

/// What a counting question counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Count {
    /// Parties other than the recipient that read the student's latest
    /// message.
    OutsidersOfMyLast,
    /// Messages the state reads.
    StateReads,
    /// Messages the leaked key reads.
    CriminalReads,
    /// Shares that rebuild the key.
    Threshold,
    /// Messages the seizer of a phone reads.
    SeizerReads,
}

/// One step of the lesson.
#[derive(Debug)]
pub(crate) struct Step {
    /// As in `docs/CLASSROOM.md`.
    pub(crate) title: &'static str,
    /// What every student does.
    pub(crate) task: &'static str,
    /// What the teacher does on the teacher's page.
    pub(crate) teacher: &'static str,
    /// The question.
    pub(crate) question: &'static str,
    /// How the answer is checked.
    pub(crate) answer: Answer,
    /// Said when the answer is right.
    pub(crate) explanation: &'static str,
    /// Said when it is not.
    pub(crate) hint: &'static str,
}

impl Step {
    /// The choices of a choice question; none for a number.
    pub(crate) fn choices(&self) -> &'static [&'static str] {
        match self.answer {
            Answer::Choice(choices, _) => choices,
            Answer::Count(_) => &[],
        }
    }
}

/// A step, its fields in the order of [`Step`].
const fn step(
    [title, task, teacher, question]: [&'static str; 4],
    answer: Answer,
    [explanation, hint]: [&'static str; 2],
) -> Step {
    Step {
        title,
        task,
        teacher,
        question,
        answer,
        explanation,
        hint,
    }
}

const fn choice(choices: &'static [&'static str], right: usize) -> Answer {
    Answer::Choice(choices, right)
}

const fn count(what: Count) -> Answer {
    Answer::Count(what)
}

/// The steps, in order.
pub(crate) const STEPS: [Step; 12] = [
    step(
        [
            "Step 0: the room",
            "Join with your name. Your phone appears in the room for everyone.",
            "Show the projector view; wait until everyone has joined.",
            "Where do your phone's secret keys live?",
        ],
        choice(&["In this browser", "In the memory of the teacher's server", "On a key server on the internet"], 1),
        [
            "Right: the phones are simulated. Their keys live in the server's memory, and the server does every encryption and decryption with the doormat library. Nothing is written to disk.",
            "Read the box at the top of the page again.",
        ],
    ),
    step(
        [
            "Step 1: keys",
            "Look at your phone's fingerprint: it names your public key.",
            "Nothing yet.",
            "If your phone's secret key leaked, whose messages could a stranger read?",
        ],
        choice(&["Only the messages sent to me", "Everyone's in the room", "Nobody's"], 0),
        [
            "Right: one user's key exposes one user. Keep this answer for step 6.",
            "Your key opens what was sealed to you, and nothing else.",
        ],
    ),
    step(
        [
            "Step 2: exchange, and check",
            "Pick a classmate in Contacts and read your safety number aloud to each other, face to face.",
            "Ask two students to compare their numbers aloud.",
            "The service swaps Bob's public key for one of its own. Would your safety number with Bob still match the one Bob reads out to you?",
        ],
        choice(&["Yes", "No"], 1),
        [
            "Right: the number is computed from both keys, so a swapped key gives another number. That is why it is compared over another channel than the one the keys came through.",
            "The safety number is computed from both public keys.",
        ],
    ),
    step(
        [
            "Step 3: a clean message",
            "Send a message to a classmate. Look at its row in 'Who can read each message'.",
            "Keep the room end to end.",
            "How many parties, apart from its recipient, read the last message you sent? Count every reading cell of its row.",
        ],
        count(Count::OutsidersOfMyLast),
        [
            "Right: end to end, only the recipient reads it. The service relays bytes, the eavesdropper records them, and neither can open them.",
            "Look at your last message's row again: count the cells that say 'reads', but the recipient's.",
        ],
    ),
    step(
        [
            "Step 4: the escrow mandate",
            "The rule changed: send another message. Then look at your inbox.",
            "Switch the room to the escrow mandate.",
            "Your phone is now a compliant client. What happens to a clean message you received before the mandate?",
        ],
        choice(&["It still opens", "The compliant client refuses it (NotEscrowed)", "It is deleted"], 1),
        [
            "Right: a compliant client refuses an envelope without a valid access field; a plain client would still open it. Who decides which client people run?",
            "Look at your inbox: the older messages say what the compliant client did.",
        ],
    ),
    step(
        [
            "Step 5: the authority reads the room",
            "Find the column 'the state': the teacher is a recipient of nothing.",
            "Show the state's desk on the projector.",
            "How many messages in the room does the state read right now?",
        ],
        count(Count::StateReads),
        [
            "Right: the state reads every escrowed message and none of the clean ones, without being a recipient, and can prove who wrote each.",
            "Count the cells that say 'reads' in the column 'the state' (the room may have changed: count again).",
        ],
    ),
    step(
        [
            "Step 6: the leaked key",
            "One of you finds a copy of the escrow key. Everyone: watch the column 'criminal'.",
            "Leak the key to one student.",
            "How many messages in the room does the holder of the leaked key read?",
        ],
        count(Count::CriminalReads),
        [
            "Right: exactly what the state reads. The software cannot tell the teacher from whoever holds a copy, and the copy also opens every message sent after the leak. In step 1 one key exposed one user; this one exposes everyone.",
            "Count the 'reads' cells of the column 'criminal', or compare it with the column 'the state'.",
        ],
    ),
    step(
        [
            "Step 7: split custody",
            "If you hold a share, try to rebuild the key alone, then give your share to a classmate who holds another.",
            "Split the key into shares for three students, any two of which rebuild it.",
            "How many share holders must pool their shares to rebuild the key?",
        ],
        count(Count::Threshold),
        [
            "Right: custody changes who must collude, not what the key does. Once rebuilt, it reads the room like the original.",
            "The teacher chose the threshold: try to rebuild with one share and read the refusal.",
        ],
    ),
    step(
        [
            "Step 8: superencryption",
            "If the teacher gave you the superencryption tool, send a superencrypted message: a clean envelope inside the escrowed one.",
            "Give one student the superencryption tool.",
            "The state opened a superencrypted message. What did it find?",
        ],
        choice(&["The plaintext", "Only another envelope, which it cannot open", "Nothing: compliant clients refuse superencrypted messages"], 1),
        [
            "Right: every check passed, and the authority read nothing. The mandate binds only the people who comply.",
            "Look at the column 'the state' for a superencrypted message.",
        ],
    ),
    step(
        [
            "Step 9: a seized phone",
            "Watch the column 'seized phone'.",
            "Seize one student's phone.",
            "How many messages in the room does whoever seized that phone read?",
        ],
        count(Count::SeizerReads),
        [
            "Right: every message ever sent to that phone, the past included: its keys are long-lived, so a seizure reads what was recorded before it. One phone, though: not the whole room.",
            "Count the 'reads' cells of the column 'seized phone'.",
        ],
    ),
    step(
        [
            "Step 10: client-side scanning",
            "Send a picture to a classmate, the protest poster three times. Watch the column 'the service', and the scanning list your phone shows.",
            "Switch the room to client-side scanning; once pictures have gone by, add the protest poster to the list.",
            "The update added the protest poster to the list. What could your phone tell from the new list?",
        ],
        choice(&["That the protest poster was added", "Only that the list's bytes changed", "Nothing: the list stayed the same"], 1),
        [
            "Right: the list is blinded, so a phone sees a new version and new bytes, never what is on it. An account that sends three listed pictures has its vouchers opened: the service reads those messages, though on the wire they are still end to end. The list is the backdoor.",
            "Compare the scanning list on your phone before and after: its version, its bytes, its digest.",
        ],
    ),
    step(
        [
            "Wrap-up",
            "Look at the tally on the projector.",
            "Show the tally.",
            "Which of these can the software tell apart from the state?",
        ],
        choice(&["A criminal with a copy of the escrow key", "Students who rebuilt the key from shares", "Neither: a copy of the key is the key"], 2),
        [
            "Right: an escrow key is just bytes. Custody changes who must collude, and the mandate binds only those who comply.",
            "Compare the columns 'the state' and 'criminal'.",
        ],
    ),
];

/// What a student gets back for an answer.
#[derive(Debug, Serialize)]
pub(crate) struct Verdict {
    pub(crate) correct: bool,
    /// The explanation if right, a hint if not.
    pub(crate) says: &'static str,
}

impl Room {
    /// The number a counting question wants, in the room as it is now.
    pub(crate) fn count(&self, what: Count, who: usize) -> Result<usize, Refusal> {
        let reading = |cell: fn(&crate::readers::Cells) -> bool| {
            self.messages.iter().filter(|m| cell(&m.cells)).count()
        };
        match what {
            Count::OutsidersOfMyLast => self
                .messages
                .iter()
                .rev()
                .find(|m| m.from == who)
                .map(|m| m.cells.outsiders_reading())
                .ok_or_else(|| Refusal::NotNow("send a message first".into())),
            Count::StateReads => Ok(reading(|c| c.state.reads())),
            Count::CriminalReads => Ok(reading(|c| c.criminal.reads())),
            Count::SeizerReads => match self.seized {
                Some(_) => Ok(reading(|c| c.seizer.reads())),
                None => Err(Refusal::NotNow("no phone has been seized yet".into())),
            },
            Count::Threshold => self
                .custody
                .map(|c| usize::from(c.threshold))
                .ok_or_else(|| Refusal::NotNow("the key has not been split yet".into())),
        }
    }

    /// Checks a student's answer to a step, and records it.
    pub(crate) fn answer(
        &mut self,
        who: usize,
        step: u8,
        answer: &str,
    ) -> Result<Verdict, Refusal> {
        let s = STEPS
            .get(usize::from(step))
            .ok_or(Refusal::UnknownStep(step))?;
        let given: usize = answer
            .trim()
            .parse()
            .map_err(|_| Refusal::BadAnswer("a whole number"))?;
        let correct = match s.answer {
            Answer::Choice(choices, right) if given < choices.len() => given == right,
            Answer::Choice(..) => return Err(Refusal::BadAnswer("one of its choices")),
            Answer::Count(what) => given == self.count(what, who)?,
        };
        self.charge(who)?;
        self.students[who].answers.insert(step, correct);
        self.changed();
        Ok(Verdict {
            correct,
            says: if correct { s.explanation } else { s.hint },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAB: &str = include_str!("../../docs/CLASSROOM.md");

    /// `### Step 4 in the browser: the escrow mandate` for `Step 4: the
    /// escrow mandate`; `### Wrap-up in the browser` for `Wrap-up`.
    fn heading(title: &str) -> String {
        match title.split_once(": ") {
            Some((step, name)) => format!("### {step} in the browser: {name}\n"),
            None => format!("### {title} in the browser\n"),
        }
    }

    #[test]
    fn every_step_has_its_section_in_the_lab() {
        for step in &STEPS {
            assert!(
                LAB.contains(&heading(step.title)),
                "{}",
                heading(step.title)
            );
        }
    }

    #[test]
    fn every_step_of_the_terminal_lab_has_a_browser_version() {
        let terminal: Vec<&str> = LAB
            .lines()
            .filter_map(|l| l.strip_prefix("## Step "))
            .filter_map(|l| l.split(' ').next())
            .collect();
        assert_eq!(terminal.len(), 9, "steps 0 to 8");
        for n in terminal {
            let title = format!("Step {n}: ");
            assert!(
                STEPS.iter().any(|s| s.title.starts_with(&title)),
                "no browser step {n}"
            );
        }
    }

    #[test]
    fn every_choice_question_has_its_right_choice() {
        for step in &STEPS {
            if let Answer::Choice(choices, right) = step.answer {
                assert!(
                    right < choices.len() && choices.len() >= 2,
                    "{}",
                    step.title
                );
            }
        }
    }
}
