"""Reads a typed answer against the question the bot is waiting on.

A button click arrives as its payload and is read exactly. Typed text is
read the way a support agent would read it, in this order:

  1. the step's own button titles, typed;
  2. a request for a person;
  3. the step's own words for "yes" and "no" (checklist YAML: yes_words,
     no_words), a negation turning them around;
  4. "still broken" / "fixed now" said in any words (reading.yml);
  5. the step's topic words (about) next to a generic "fine" or "broken"
     word, clause by clause ("网络没问题，余额也够" → two checks done);
  6. "I don't know": its own outcome, neither yes nor no (unless the
     step's "no" button itself says 不确定);
  7. a question (hotline, hours, 多久到账 …), to be answered before the step
     is asked again;
  8. going back to an earlier walkthrough, or a clearly different problem;
  9. thanks / bye / ok;
 10. a short plain yes or no;
 11. the classifier's affirm/deny, marked as not certain (the ticket then
     keeps the user's words, not a guessed yes).

Pure functions over the YAML: no Rasa, testable on their own.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from components import durations, spelling
from components.amounts import NUMBER_PATTERN, parse_number

YES, NO, UNSURE = "yes", "no", "unsure"
SOLVED, STILL_BROKEN = "solved", "still_broken"
HUMAN, QUESTION, SWITCH, SAME_PROBLEM, RESUME = "human", "question", "switch", "same_problem", "resume"
PERSON_QUESTIONS = ("service_hours", "contact_channels")   # questions that name 人工/客服
STEP_WORDS = "step words"
CONFUSED = "did not understand the question"
NEGATION_STARTS = ("不", "没", "未", "别", "无")   # the evidence of a reading from the step's own yes_words / no_words
THANKS, GOODBYE, ACKNOWLEDGE, GREET, UNREADABLE = "thanks", "goodbye", "acknowledge", "greet", "unreadable"

# Questions of fact the operator answers in knowledge/answers.yml.
FACT_TOPICS = ("fees", "limits", "refund_time", "arrival_time")
INFO_INTENTS = {"contact_channels", "service_hours", "security_question", "verify_official_service",
                "feature_inquiry", "complaint"}
CONFIDENT = 0.6
SHORT_ANSWER = 10   # characters, once spaces and punctuation are gone
SHORT_ENGLISH = 6   # words: "Alright, thanks for the help" is a short answer
# Punctuation and symbols count as spaces; apostrophes vanish (don't → dont).
_PUNCTUATION = re.compile(r"[\s\u3000,，.。!！?？~～…;；:：、\"“”‘’()（）\[\]【】<>《》「」『』·\-_/\\*#@^&|=+]+")
_APOSTROPHE = re.compile(r"['’`]")
# Clause ends: punctuation, and spaces next to Chinese ("网速挺快的 刷视频都不卡", "一直失败 wifi好好的").
_CLAUSE_MARKS = re.compile(r"[,，.。!！?？;；\n]+|(?<=[\u4e00-\u9fff])\s+|\s+(?=[\u4e00-\u9fff])")
_SPACE_NEXT_TO_CJK = re.compile(r"\s+(?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])\s+")
_CJK = re.compile(r"[\u4e00-\u9fff]")
# A clause that ends like a question: "钱能退吗" (reading.yml `asking` has the
# words that ask inside one: "是不是要更新啊").
_QUESTION_END = re.compile(r"(吗|么|呢)$")
# "还没问呢", "还在处理呢", "网好着呢": 呢 after "not yet" / "still" / 着 tells.
_TELLING_NE = re.compile(r"^(还没|没|还不|还在|正在)[^吗么]*呢$|着[^吗么]{0,8}呢$|得很呢$|多了去了呢$"
                         r"|(还有|还剩|有)[^吗么]{0,10}多呢$")
# "刚才没看到": said of before, not of now.
_EARLIER = re.compile(r"刚才|刚刚|之前|一开始|刚开始|原来|本来|以前|平时|往常")
# "我记得以前几分钟就到了": how it used to go ("原来是我没注意" is "it turns out").
_USED_TO = re.compile(r"以前|平时|往常|过去|之前都|以往")
# "现在都过去快一天了": counted from the event, told before.
_ELAPSED = re.compile(r"过去|到现在|现在都|现在已经|已经过了|都过了")
# "还没呢", "对啊": the particle changes nothing about the answer.
_TRAILING_PARTICLES = re.compile(r"(?<=.)[呢啊呀吧哦嘛噻哈啦喔喎㖞咯啰嘞哇]+$")
# "还没问", "没试": not done. "没事", "没错", "没问题" are fine, not "no".
_NOT_YET_DONE = re.compile(r"(还没有?|没有?|还未|未曾)(?!事|错|问题|毛病|关系|差|少)[\u4e00-\u9fff]{1,2}")
# Words that ask ("先问下你们hotline多少"), as against telling about the hotline.
_ASKING = re.compile(r"多少|几点|几号|什么|啥|哪|吗|么|怎么|多久|几天|多长时间|会不会|是不是|能不能|有没有|[?？]|问下|问一下|请问"
                     r"|^\W*(?:what|when|how)\b")   # "when I opened the account" tells
# "不知道来没来": not knowing whether A or not A.
_A_NOT_A = re.compile(r"(.)[没不]\1")
# "能超什么限额" / "能超啥限额": it cannot.
_RHETORICAL_WHAT = re.compile(r"(能|会|哪能|还能)([\u4e00-\u9fff]{1,2}?)(?:什么|啥|个啥)")
# "单笔上限才500 我要充800", "limit is 5000 and I was trying to put in 8000".
_AMOUNT = rf"({NUMBER_PATTERN})\s*(w|k|万|千)?(?![0-9a-z])"
_LIMIT_AMOUNT = re.compile(rf"(?:限额|上限|额度|限|单笔|每日|每天|最多|最高|顶多|只可以|只能|limit)"
                           rf"[^0-9，。,.;；]{{0,10}}?{_AMOUNT}"
                           rf"|(?:(?:says|shows|is)\s+)?{_AMOUNT}\s*(?:a|per)\s+(?:day|withdrawal|transaction|time|top.?up)")
_WANTED_AMOUNT = re.compile(rf"(?:充|提|付|转|取|put in|top up|topping up|trying|withdraw|cash out|took out|take out|pay|send"
                            rf"|only|just)"
                            rf"[^0-9，。,.;；]{{0,14}}?"
                            rf"{_AMOUNT}")
_MULTIPLIER = {"w": 10_000, "万": 10_000, "k": 1_000, "千": 1_000}
# "卡里两万多呢", "余额也有八百多", "I have 3000 in there": a balance told as a number …
_BALANCE_AMOUNT = re.compile(rf"(?:卡里|卡上|卡内|余额|里面|里头|钱包里|零钱|账上|账户里|存款"
                             rf"|balance|i have|ive got|there is|theres)"
                             rf"\s*(?:还|也|都)?\s*(?:有|剩|是|of)?\s*(?P<only>就|只|才|仅|only|just)?\s*(?:有|剩)?\s*"
                             rf"{_AMOUNT}")
# … and what is to be paid: "加油才两百", "就充三百", "这才一百来块钱".
_PRICE_AMOUNT = re.compile(rf"(?:充|提|付|转|买|花|加油|结账|这才|才|就|只|这笔|一共|pay|paying|buy|top up|topping up|only|just)"
                           rf"[^0-9，。,.;；]{{0,6}}?{_AMOUNT}")
# "密码能输错？": it cannot be wrong.
_RHETORICAL_WRONG = re.compile(r"(?<![不没])(能|哪能|还能)([\u4e00-\u9fff]{0,2}?(?:错|不对|不够|超)[\u4e00-\u9fff]{0,3}?)[?？]")
# "银行留的不就是我现在这个号吗？": a question that says yes.
_AFFIRMING_QUESTION = re.compile(r"不就是([^，,。.!！?？]+?)(?:吗|么|嘛)")


def _is_sum(match: "re.Match[str]", group: int) -> bool:
    """A number that can be a sum of money: not the 一 of 一直 / 一下."""
    number = match.group(group)
    return len(number) > 1 or number.isdigit() or bool(match.group(group + 1))


# "charged at 2:05pm", "今天早上九点提的 现在都下午三点了".
_CLOCK = re.compile(r"(?<!\d)(\d{1,2})[:：](\d{2})\s*(am|pm)?")
_CLOCK_ZH = re.compile(r"(早上|上午|中午|下午|晚上|凌晨|傍晚)?\s*([零一二两三四五六七八九十]{1,3}|\d{1,2})\s*点(半)?")
_AFTERNOON = ("下午", "晚上", "傍晚")


def _between_clock_times(text: str) -> Optional[Tuple[float, bool]]:
    """"charged at 2:05pm and it's 2:20 now", "早上九点提的 现在都下午三点了":
    the minutes between two clock times."""
    times = []
    for hour, minute, half in _CLOCK.findall(text):
        hour = int(hour) % 12 + (12 if half == "pm" else 0) if half else int(hour)
        times.append(hour * 60 + int(minute))
    if not times:
        for part, hour, half in _CLOCK_ZH.findall(text):
            value = parse_number(hour)
            if value is None or value > 24:
                continue
            value = int(value) + (12 if part in _AFTERNOON and value < 12 else 0)
            times.append(value * 60 + (30 if half else 0))
    if len(times) < 2:
        return None
    first, last = times[0], times[-1]
    if last < first and last + 12 * 60 > first:
        last += 12 * 60   # "4:15pm … 4:50 now" said without the pm
    return (float(last - first), False) if 0 <= last - first < 12 * 60 else None


def asks(text: str) -> bool:
    """The message asks something ("提现收手续费吗", "多久到账")."""
    return bool(_ASKING.search(normalize(text)))


def _words(listed: Any) -> List[str]:
    """An operator's word list as text: an empty entry ("a,, b" in YAML) is
    skipped, a number or true/false becomes its text, so a slip in the YAML
    costs one word and not every reading."""
    return [str(w) for w in listed or [] if w is not None and str(w).strip()]


@dataclass
class Nlu:
    """What the classifier made of the message."""
    intent: Optional[str] = None
    confidence: float = 0.0
    ranking: Sequence[Dict[str, Any]] = ()

    def says(self, intent: str, at_least: float = CONFIDENT) -> bool:
        return self.intent == intent and self.confidence >= at_least


@dataclass
class Reading:
    kind: str
    topic: Optional[str] = None     # question topic, or the problem for switch / same_problem
    sure: bool = True               # False: only the classifier's guess
    thanked: bool = False           # thanks came with the answer ("好了，谢谢")
    evidence: Optional[str] = None  # the words that decided it


def normalize(text: str) -> str:
    """Half-width, lower case, simplified, typing slips corrected."""
    return spelling.plain(unicodedata.normalize("NFKC", text or "").lower().strip())


def _english_word(word: str) -> str:
    """A word of an English phrase, matching with or without a plural /
    third-person s ("only takes cash" and "only take cash")."""
    stem = word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word
    return re.escape(stem) + ("s?" if stem.isalpha() else "")


@functools.lru_cache(maxsize=None)
def _phrase_pattern(phrase: str) -> "re.Pattern[str]":
    # The operator's phrases outnumber re's own cache of 512 patterns.
    if not phrase.isascii():
        return re.compile(re.escape(phrase))
    words = r"\s+".join(_english_word(word) for word in phrase.split())
    return re.compile(rf"(?<![a-z0-9]){words}(?![a-z0-9])")


@functools.lru_cache(maxsize=4096)
def _longest_first(phrases: Tuple[str, ...]) -> List[str]:
    return [p for p in sorted({compact(p) for p in phrases}, key=len, reverse=True) if p]


def compact(text: str) -> str:
    """Text as phrases are matched in: lower case, half-width, no punctuation,
    no spaces around Chinese, single spaces between English words."""
    text = _PUNCTUATION.sub(" ", _APOSTROPHE.sub("", normalize(text)))
    return " ".join(_SPACE_NEXT_TO_CJK.sub("", text).split())


def _short(whole: str, characters: int) -> bool:
    if whole.isascii():
        return len(whole.split()) <= SHORT_ENGLISH
    return len(whole) <= characters


class Lexicon:
    def __init__(self, words: Dict[str, Any]) -> None:
        self.words = words
        self.negations = sorted(words.get("negations") or [], key=len, reverse=True)
        breaks = "|".join(map(re.escape, words.get("clause_breaks") or []))
        self._clause_split = re.compile(rf"{_CLAUSE_MARKS.pattern}|(?:{breaks})" if breaks else _CLAUSE_MARKS.pattern)
        self.questions = {topic: [re.compile(p, re.IGNORECASE) for p in patterns]
                          for topic, patterns in (words.get("questions") or {}).items()}
        self.still_broken_patterns = [re.compile(p, re.IGNORECASE) for p in words.get("still_broken_patterns") or []]
        self.worked_before = [re.compile(p, re.IGNORECASE) for p in words.get("worked_before") or []]

    def list(self, name: str) -> List[str]:
        return _words(self.words.get(name))

    def clauses(self, text: str) -> List[str]:
        return [c for c in (compact(part) for part in self._clause_split.split(normalize(text))) if c]

    def statements(self, text: str) -> List[str]:
        """The clauses that tell rather than ask ("钱能退吗", "能退？" ask)."""
        # "银行留的不就是我现在这个号吗": it is (before 就是 splits the clause).
        said = _AFFIRMING_QUESTION.sub(r"确实是\1", normalize(text))
        said = _RHETORICAL_WRONG.sub(r"不会\2，", _RHETORICAL_WHAT.sub(r"不会\2", said))
        parts = re.split(f"({self._clause_split.pattern})", said)
        told = []
        for clause, mark in zip(parts[::2], parts[1::2] + [""]):
            if ((len(re.findall(r"[?？]", mark or "")) == 1 and "确实是" not in clause)
                    or (_QUESTION_END.search(clause.strip()) and not _TELLING_NE.search(compact(clause)))
                    or self.find(self.list("asking"), compact(clause))):
                continue
            if compact(clause):
                told.append(compact(clause))
        return told

    def asks_inside(self, text: str) -> bool:
        """"不知道是不是最新的", "不清楚有没有": not knowing, then a question."""
        asking = tuple(compact(word) for word in self.list("asking"))
        return any(text[end:].startswith(asking) or _A_NOT_A.search(text[end:end + 4])
                   for _start, end, _phrase in self.find(self.list("unsure"), text))

    def corrected(self, text: str) -> str:
        """What follows the user's last correction ("锁了一天多了吧……哦不对，
        是今天早上才锁的" → "是今天早上才锁的"), or the whole text."""
        normal = normalize(text)
        found = self.find(self.list("corrections"), normal)
        if not found:
            # "等下 不对": the words of a correction may be typed apart.
            normal = re.sub(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])", "", normal)
            found = self.find(self.list("corrections"), normal)
        if not found:
            return text
        rest = normal[found[-1][1]:]
        return rest if compact(rest) else text

    def negated(self, text: str, start: int) -> bool:
        """A negation right before position `start` (allowing one filler like
        太 / 是 / 怎么 or a verb of showing like 弹出来说, or English "not" /
        "isnt" as the word before)."""
        before = text[max(0, start - 12):start]
        if before.endswith(" "):
            words = before.split()
            return bool(words) and words[-1] in self.negations
        # "没跳出来啥子密码错误": "what" after the verb of showing changes nothing.
        before = re.sub(r"有?(什么|啥子|啥|任何|那个|这个|那种)说?$", "", before)[-7:]
        # "没跳出来说密码错": not shown, so not wrong.
        for filler in ("", "太", "很", "是", "怎么", "大", "会", "能", "说", "提示", "显示", "出现", "弹出", "跳出", "弹出来",
                       "跳出来", "弹出来说", "跳出来说", "提示说", "显示说", "报", "跳", "弹", "出", "会有", "有",
                       "弹过", "跳过", "出过", "有过", "见过", "报过", "看见", "看到", "见到", "发现"):
            if filler and not before.endswith(filler):
                continue
            head = before[:len(before) - len(filler)] if filler else before
            if any(head.endswith(word) for word in self.negations if not word.isascii()):
                return True
        return False

    def find(self, phrases: Iterable[str], text: str) -> List[Tuple[int, int, str]]:
        """Non-overlapping matches, longest phrases first. English phrases
        match whole words only."""
        taken: List[Tuple[int, int, str]] = []
        for phrase in _longest_first(tuple(str(p) for p in phrases)):
            for match in _phrase_pattern(phrase).finditer(text):
                if not any(s < match.end() and match.start() < e for s, e, _ in taken):
                    taken.append((match.start(), match.end(), phrase))
        return sorted(taken)

    def polarity(self, text: str, positive: Iterable[str], negative: Iterable[str]) -> int:
        """+1 / -1 / 0: positive words count for, negative against, a negation
        in front turning either around."""
        score = 0
        # A word inside a longer word of the other side is that longer word:
        # "对" (fine) inside "对不上" (broken), "不行" inside "行不行".
        ups = [(s, e, +1, p) for s, e, p in self.find(positive, text)]
        downs = [(s, e, -1, p) for s, e, p in self.find(negative, text)]
        hits = [(s, e, sign, p) for s, e, sign, p in ups + downs
                if not any(os <= s and e <= oe and (oe - os) > (e - s) for os, oe, other, _ in ups + downs
                           if other != sign)]
        for start, _end, sign, phrase in hits:
            # A phrase that is itself a negation ("不知道在哪申请", "没对过") is not
            # turned around by a "还没" in front: that is the same "no" said twice.
            # "不是不够", "不会不够" still are: 不是 / 不会 deny what follows.
            turned = self.negated(text, start) and (not phrase.startswith(NEGATION_STARTS)
                                                    or text[:start].rstrip().endswith(("不是", "不会", "不可能")))
            score += -sign if turned else sign
        return (score > 0) - (score < 0)

    def has(self, name: str, text: str, unnegated: bool = True, shadow: str = "", *more_shadows: str) -> Optional[str]:
        """The first phrase of list `name` in the text. With `shadow`, a match
        inside a longer phrase of that list does not count ("一样" inside
        "一模一样")."""
        shadows = self.find([w for s in (shadow,) + more_shadows if s for w in self.list(s)], text)
        for start, end, phrase in self.find(self.list(name), text):
            if any(s <= start and end <= e and e - s > end - start for s, e, _ in shadows):
                continue
            if not unnegated or not self.negated(text, start):
                return phrase
        return None

    def still_broken(self, text: str) -> Optional[str]:
        """"还是不行", or "还是…" followed by the trouble ("还是一打开就退出来").
        Clause by clause: in "公告看了，没有，问题还在" the 没有 answers
        something else."""
        for clause in self.clauses(text) or [compact(text)]:
            found = self.has("still_broken", clause, True, "fine", "not_still_broken")
            if found:
                return found
            for pattern in self.still_broken_patterns:
                match = pattern.search(clause)
                if match and not self.negated(clause, match.start()):
                    return match.group(0)
        return None

    def question_topic(self, text: str) -> Optional[str]:
        normal = normalize(text)
        for topic, patterns in self.questions.items():
            if any(p.search(normal) for p in patterns):
                return topic
        return None


@dataclass
class Question:
    """What the bot is waiting on, as the reader needs it."""
    yes_label: str = "是"
    no_label: str = "否"
    yes_words: Sequence[str] = ()
    no_words: Sequence[str] = ()
    about: Sequence[str] = ()
    # "ok": yes means the check passed (the usual); "problem": yes means the
    # problem is still there ("问题还在吗？"), so "好了" reads as no.
    yes_means: str = "ok"
    solvable: bool = True   # "好了" may end the walkthrough (not in urgent ones)
    is_solved_question: bool = False  # "解决了吗？" after a fix
    # Steps that ask whether a time has passed ("超过 30 分钟了吗？"): a typed
    # length of time at least this long (minutes) is the step's yes …
    at_least_minutes: Optional[float] = None
    shorter_is_no: bool = True   # … and a shorter one its no, unless it tells nothing
    # In a message that was not an answer to this step, a length of time
    # counts only next to one of these words ("提现三个多小时了" yes, "才收到三天" no).
    time_since: Sequence[str] = ()
    # Arrival options the user may name, each with its own wait (minutes):
    # "他选的2小时到账 这才转了40分钟" is measured against two hours.
    time_options: Sequence[Tuple[str, float]] = ()
    # The step asks about something that lasts (a card, a limit, whether the
    # shop takes the wallet): "上礼拜我还在这儿交过" answers it.
    worked_before: bool = False
    # "Is the amount within your limit?": a limit and an amount typed are compared.
    amount_within_limit: bool = False
    # "Is there enough money?": a balance typed is compared with the amount
    # to pay (typed beside it, or known from earlier in the conversation).
    balance_covers: bool = False
    amount_wanted: Optional[float] = None
    # The other steps' topic words: "网络没问题" at the password step says
    # nothing about the password.
    others_about: Sequence[str] = ()


def question_for_step(step: Dict[str, Any], urgent: bool, lang_step: Optional[Dict[str, Any]] = None) -> Question:
    lang_step = lang_step or {}
    passed = step.get("time_passed") or {}
    return Question(
        at_least_minutes=durations.minutes(str(passed["at_least"])) if passed.get("at_least") else None,
        shorter_is_no=passed.get("shorter", "no") == "no",
        time_since=list(passed.get("since") or []),
        time_options=sorted(((str(k), durations.minutes(str(v))) for k, v in (passed.get("options") or {}).items()),
                            key=lambda option: -len(option[0])),
        yes_label=str(lang_step.get("yes_label") or step.get("yes_label") or "是"),
        no_label=str(lang_step.get("no_label") or step.get("no_label") or "否"),
        yes_words=_words(step.get("yes_words")) + _words(lang_step.get("yes_words")),
        no_words=_words(step.get("no_words")) + _words(lang_step.get("no_words")),
        about=_words(step.get("about")) + _words(lang_step.get("about")),
        yes_means=step.get("yes_means", "ok"),
        solvable=not urgent,
        worked_before=bool(step.get("worked_before")),
        amount_within_limit=bool(step.get("amount_within_limit")),
        balance_covers=bool(step.get("balance_covers")),
    )


def solved_question(yes_label: str, no_label: str, urgent: bool) -> Question:
    return Question(yes_label=yes_label, no_label=no_label, solvable=not urgent, is_solved_question=True)


class AnswerReader:
    def __init__(self, lexicon: Lexicon) -> None:
        self.lex = lexicon

    # -- pieces -----------------------------------------------------------------

    def _topic(self, question: Question, text: str) -> List[Tuple[int, int, str]]:
        """The step's topic words in the text, not those inside a longer word
        that means something else ("钱" inside "钱包")."""
        if not question.about:
            return []
        shadows = self.lex.find(self.lex.list("not_about"), text)
        return [(s, e, p) for s, e, p in self.lex.find(question.about, text)
                if not any(a <= s and e <= b and b - a > e - s for a, b, _ in shadows)]

    def _without_policies(self, clause: str) -> str:
        """"七天无理由" names a policy, not a time waited."""
        for start, end, _phrase in reversed(self.lex.find(self.lex.list("not_a_wait"), clause)):
            clause = clause[:start] + clause[end:]
        return clause

    def _flip(self, question: Question, check_ok: bool) -> str:
        """A reading about the check ("fine") as the step's yes/no."""
        if question.yes_means == "problem":
            return NO if check_ok else YES
        return YES if check_ok else NO

    def _about(self, text: str, question: Question, across: bool = True) -> int:
        if not question.about:
            return 0
        total = 0
        clauses = self.lex.clauses(text)
        for clause in clauses:
            if self._topic(question, clause):
                total += self.lex.polarity(clause, self.lex.list("fine"), self.lex.list("broken"))
        if across and not total and len(clauses) > 1 and any(self._topic(question, c) for c in clauses):
            # The topic in one clause, the verdict in the next ("刷脸刷了好几次 一直不通过").
            total = self.lex.polarity(compact(text), self.lex.list("fine"), self.lex.list("broken"))
        return (total > 0) - (total < 0)

    def _time_passed(self, text: str, question: Question, raw: str = "") -> Optional[str]:
        """YES / NO from a length of time typed at a "has it been X yet?" step."""
        if question.at_least_minutes is None:
            return None
        normal = normalize(text)
        at_least, shorter_is_no = question.at_least_minutes, question.shorter_is_no
        for option, minutes in question.time_options:
            if option.lower() in normal and minutes is not None:
                # The option's own length ("2小时到账") is no time waited.
                at_least, shorter_is_no = minutes, True
                normal = normal.replace(option.lower(), " ", 1)
                break
        # Clock times keep their colon only in the text as typed.
        said = _between_clock_times(normalize(raw or text)) or durations.span(normal)
        if said is None:
            return None
        waited, below = said
        if waited >= at_least and not below:
            return YES
        if waited <= at_least or not below:
            return NO if shorter_is_no else None
        return None   # "not yet two days" at a "one day yet?" step

    def checks_in(self, text: str, steps: Sequence[Tuple[str, Question]]) -> Dict[str, str]:
        """Steps a first message already answers: {step id: yes|no}. Only the
        step's own words and its topic words count, never a bare yes."""
        found: Dict[str, str] = {}
        clauses = self.lex.statements(text)
        broken_anyway = bool(self.lex.still_broken(text))
        # Words any step could use ("还是闪退", "能用了") tell nothing about a
        # step before it is asked.
        generic = {compact(w) for w in self.lex.list("still_broken") + self.lex.list("solved")}
        for step_id, question in steps:
            # "提现三个多小时了": the time has passed. A short time is left
            # to its step: the steps before it may settle the matter first.
            # The time may stand in the clause beside the words ("账户已锁定 前天就这样了",
            # "我前天晚上密码输错了好几次，账户被锁了"), or be counted from then ("现在都过去快一天了").
            timed = [self._without_policies(c) for c in clauses]
            since = [bool(self.lex.find(question.time_since, c)) for c in timed]
            beside = [c for i, c in enumerate(timed)
                      if since[i] or (i > 0 and since[i - 1]) or (any(since) and _ELAPSED.search(c))]
            if any(self._time_passed(clause, question) == YES for clause in beside):
                found[step_id] = YES
                continue
            if question.yes_means == "problem":
                # "still wrong after a restart?" is answered only by someone who
                # says they tried it and it is still wrong ("重启过了 还是闪退").
                tried = question.about and any(self._topic(question, c) for c in clauses)
                still = broken_anyway or any(self.lex.polarity(c, question.yes_words, question.no_words) > 0
                                             for c in clauses)
                if tried and still:
                    found[step_id] = YES
                continue
            if any(self._covers(clause, question)[0] == YES for clause in clauses):
                found[step_id] = YES   # "余额也有八百多"
                continue
            yes_words = [w for w in question.yes_words if compact(w) not in generic]
            no_words = [w for w in question.no_words if compact(w) not in generic]
            score = 0
            for clause in clauses:
                own = self.lex.polarity(clause, yes_words, no_words)
                if own:
                    score += own
                elif question.about and self._topic(question, clause):
                    # The trouble itself ("输完手机号一直提示校验失败", "没充进去") is
                    # what the message is about, no answer to a check.
                    broken = [w for w in self.lex.list("broken") if not self.lex.find(self.lex.list("trouble"), w)]
                    check = self.lex.polarity(clause, self.lex.list("fine"), broken)
                    score += 0 if not check else (1 if self._flip(question, check > 0) == YES else -1)
            if score:
                found[step_id] = YES if score > 0 else NO
        return found

    # -- the whole reading --------------------------------------------------------

    def read(self, text: str, question: Question, nlu: Nlu, current_problem: Optional[str] = None,
             problem_intents: Iterable[str] = ()) -> Reading:
        corrected = self.lex.corrected(text)
        reading = self._read(corrected, question, nlu, current_problem, problem_intents)
        if corrected != text and reading.evidence not in (STEP_WORDS, "topic words", "time passed"):
            # "写着‘冻结中’ 是订酒店的押金 哦不对 是租车的押金": the correction
            # is about a detail; the answer is in what came before.
            whole = self._read(text, question, nlu, current_problem, problem_intents)
            if reading.kind == UNREADABLE or whole.evidence in (STEP_WORDS, "topic words"):
                return whole
        return reading

    def _read(self, text: str, question: Question, nlu: Nlu, current_problem: Optional[str],
              problem_intents: Iterable[str]) -> Reading:
        normal, whole = normalize(text), compact(text)
        thanked = bool(self.lex.has("thanks", whole))
        if not whole:
            return Reading(UNREADABLE)
        if text.startswith("/"):  # a button's payload
            if nlu.intent in ("affirm", "deny"):
                return Reading(YES if nlu.intent == "affirm" else NO, evidence=text)
            if nlu.intent == "request_human":
                return Reading(HUMAN)
        for label, kind in ((question.yes_label, YES), (question.no_label, NO)):
            if whole == compact(label):
                return Reading(kind, evidence=label)
        topic = self.lex.question_topic(text)
        if nlu.says("verify_official_service", 0.7):
            # "有个说是你们客服的打电话 要先交手续费 这个是真的吗": the scam
            # warning, not the fee table.
            topic = "verify_official_service"
        if (topic == "verify_official_service" and _ASKING.search(normal)) or topic == "complaint":
            # "自称你们客服…这是你们的人吗？": the scam check first; "我要投诉" is heard at once.
            return Reading(QUESTION, topic=topic)
        if topic in PERSON_QUESTIONS and (_ASKING.search(normal)
                                          or not self.lex.polarity(whole, question.yes_words, question.no_words)):
            # "几点有人工？" asks about the people; it does not ask for one yet.
            # "你们那热线我打了三遍才打通 总算给冻上了" tells, and answers the step.
            return Reading(QUESTION, topic=topic)
        if self.lex.has("human", whole) or nlu.says("request_human", 0.7):
            return Reading(HUMAN)
        if (self.lex.has("another_matter", whole) and not self.lex.has("resume", whole) and nlu.intent in set(problem_intents)
                and nlu.intent != current_problem and nlu.confidence >= 0.5):
            return Reading(SWITCH, topic=nlu.intent)   # "对了还有个事 我提现的钱…": not a "对"

        broken, fixed = self.lex.still_broken(text), self._solved(whole, normal)
        if fixed and not any(self._solved(compact(c), c) for c in self.lex.clauses(text) if not _USED_TO.search(c)):
            fixed = None   # "我记得以前几分钟就到了": how it was before, not how it is now
        if question.is_solved_question:
            # After a fix, "还是没到" or "绑上了" settles it whatever else is said
            # about the step ("对过了账号名字都对 还是没有": the check is fine, the
            # problem is not; "用我自己的卡绑上了": solved, not just checked).
            if broken:
                return Reading(NO, evidence=broken)
            if fixed and not self._asks(normal):
                return Reading(YES, thanked=thanked, evidence=fixed)
        if (topic in FACT_TOPICS and re.search(r"吗|么$|[?？]|多久|几天|多长时间", normal)
                and ("吗" in normal or not self.lex.has("how_to_check", whole))   # "限额？？ 这个去哪看": how to check
                and not (_RHETORICAL_WHAT.search(normal) or _RHETORICAL_WRONG.search(normal))
                and not self.lex.has("confused", whole, unnegated=False)
                and not self.lex.has("unsure", whole, unnegated=False)):
            return Reading(QUESTION, topic=topic)   # "提现要收手续费吗？我怎么看到少了几块"
        if self.lex.has("how_to_check", whole):
            return Reading(UNSURE)   # "我怎么核对", "上哪看去": the step's how-to-check
        if self.lex.asks_inside(whole):
            # "不知道是不是最新的": the "不是最新" is asked, not told.
            return self._unsure(question)
        # A rhetorical question next to a statement asserts nothing itself:
        # "不是我的卡我绑它干嘛？我本人去柜台办的" is read from its statement.
        statements = self.lex.statements(text)
        told = "，".join(statements) or text
        # Two sums compared say more than the words around them ("卡里有3000 要付5000").
        covers, compared = self._covers(told, question)
        if compared:
            # "两百多呢 够的": saying so outright beats the sums.
            said = self.lex.polarity(whole, self.lex.list("enough_said"), self.lex.list("not_enough_said"))
            return Reading((YES if said > 0 else NO) if said else covers, thanked=thanked, evidence="balance and amount")
        # Clause by clause: a negation ends at the comma ("还没，打算下了班去派出所").
        signs = [self.lex.polarity(clause, question.yes_words, question.no_words) for clause in statements or [whole]]
        if any(signs):
            # "找到了！…刚才没看到": what was so before is no answer now.
            signs = [0 if _EARLIER.search(clause) and any(signs[:i] + signs[i + 1:]) else sign
                     for i, (clause, sign) in enumerate(zip(statements or [whole], signs))]
        # "登录密码改了 支付密码还没": part done is not done.
        own = -1 if (1 in signs and -1 in signs) else (sum(signs) > 0) - (sum(signs) < 0)
        if own:
            return Reading(YES if own > 0 else NO, thanked=thanked, evidence=STEP_WORDS)
        within = self._within_limit(told, question)
        if within:
            return Reading(within, thanked=thanked, evidence="limit and amount")
        if covers:
            return Reading(covers, thanked=thanked, sure=False, evidence="balance")
        # "24小时？不知道啊": a length of time echoed back as a question tells nothing.
        waited = None if topic else self._time_passed(told, question, raw=text)
        if waited:
            return Reading(waited, thanked=thanked, evidence="time passed")
        leading = self._leading_answer(statements, anywhere=not (broken or fixed))
        if leading:
            return Reading(leading, thanked=thanked, evidence="plain answer")
        if self.lex.has("confused", whole, unnegated=False, shadow="unsure") and (
                len(whole) <= SHORT_ANSWER + 4 or whole.isascii() and len(whole.split()) <= SHORT_ENGLISH + 2):
            # "嗯？啥意思", "限额?我不知道 这是什么意思": no "嗯" (yes); the step's
            # how-to-check explains what is asked (a second time: a person).
            return Reading(UNSURE, evidence=CONFUSED)

        if broken:
            if question.is_solved_question:
                return Reading(NO, evidence=broken)
            if question.yes_means == "problem":
                return Reading(YES, evidence=broken)
            if question.about and self._topic(question, whole):
                # "卸了重装 还是一点开就退出来" at "重装后能用了吗？": tried, and no.
                return Reading(NO, evidence=broken)
            return Reading(STILL_BROKEN, evidence=broken)
        if fixed and not self._asks(normal):
            if question.is_solved_question:
                return Reading(YES, thanked=thanked, evidence=fixed)
            if question.yes_means == "problem":
                return Reading(NO, thanked=thanked, evidence=fixed)
            if question.solvable and (len(whole) > len(fixed) + 1 or thanked or fixed not in ("好了", "到了")):
                return Reading(SOLVED, thanked=thanked, evidence=fixed)

        about = self._about(told, question)
        if about and not topic and any(self._topic(question, clause)
                                       and self.lex.has("unsure", clause, unnegated=False)
                         for clause in self.lex.clauses(told)):
            return self._unsure(question)   # "预留的啥号我哪记得 卡办了十年了": not knowing about this very thing
        if about and self.lex.has("unsure", whole, unnegated=False) and not self._about(told, question, across=False):
            # "账单里头密密麻麻的 我眼神不好 看不清楚": the topic, then not being able
            # to tell; the "不好" is about the eyes, not the step.
            return self._unsure(question)
        if about:
            return Reading(self._flip(question, about > 0), thanked=thanked, evidence="topic words")

        if self.lex.has("unsure", whole, unnegated=False):
            return self._unsure(question)

        if topic is None and nlu.intent in INFO_INTENTS and nlu.confidence >= CONFIDENT and len(whole) > 3:
            topic = nlu.intent
        if topic:
            return Reading(QUESTION, topic=topic)

        if self.lex.has("resume", whole):
            return Reading(RESUME)
        problems = set(problem_intents)
        if (nlu.intent in problems and nlu.confidence >= 0.5 and len(whole) > 3
                and not (nlu.intent != current_problem and self._topic(question, whole))):
            # "登录密码和支付密码都已经改掉了" at the change-passwords step sounds
            # like a forgotten password to the classifier; it answers the step.
            return Reading(SAME_PROBLEM if nlu.intent == current_problem else SWITCH, topic=nlu.intent)

        if self.lex.has("goodbye", whole) and _short(whole, 2 * SHORT_ANSWER) or nlu.says("goodbye", 0.8):
            return Reading(GOODBYE, thanked=thanked)
        if thanked and (_short(whole, SHORT_ANSWER + 2)
                        or self.lex.has("acknowledge", whole) and _short(whole, 2 * SHORT_ANSWER + 4)):
            return Reading(THANKS, thanked=True)   # "明白，我三个工作日后再核对一次。谢谢。"

        # A short answer, or an emphatic one beside a rhetorical question
        # ("废话，网要是有问题我还能在这跟你打字？"; not "嗯，你们是机器人吗？").
        emphatic = compact(told) if compact(told) in {compact(w) for w in self.lex.list("emphatic_yes")} else None
        short = whole if len(whole) <= SHORT_ANSWER else emphatic
        if short and self.lex.find(question.others_about, short) and not self._topic(question, short):
            short = None   # "网没毛病" at the new-password step answers some other question
        if short:
            if self.lex.has("greeting", short):   # before yes/no: "你好" is not a "好"
                return Reading(GREET)
            plain = self.lex.polarity(short, self.lex.list("yes"), self.lex.list("no"))
            if plain:
                return Reading(YES if plain > 0 else NO, evidence=whole)
            if self.lex.has("acknowledge", whole):
                return Reading(ACKNOWLEDGE)
        if whole.isascii() and whole.split():
            # "No, I haven't contacted anyone about a freeze yet."
            first = whole.split()[0]
            acknowledging = set(self.lex.list("acknowledge"))
            if first in set(self.lex.list("no")) - acknowledging:
                return Reading(NO, evidence=first)
            if first in set(self.lex.list("yes")) - acknowledging:
                return Reading(YES, evidence=first)
        if nlu.says("affirm", 0.7) or nlu.says("deny", 0.7):
            return Reading(YES if nlu.intent == "affirm" else NO, sure=False)
        if nlu.says("thanks", 0.7):
            return Reading(THANKS, thanked=True)
        if nlu.says("greet", 0.7):
            return Reading(GREET)
        if (question.worked_before and question.yes_means == "ok" and not question.is_solved_question
                and any(p.search("".join(statements) or whole) for p in self.lex.worked_before)):
            # "上个月一次提的比这多一倍都顺顺利利的" at "within the limit?". The clauses
            # are read joined: "前头那个大姐刚刚就是用你们这个付的" splits at 就是.
            return Reading(YES, sure=False, evidence="worked before")
        if (question.yes_means == "ok" and not question.is_solved_question
                and self.lex.polarity(compact(told), self.lex.list("fine_anywhere"), self.lex.list("broken")) > 0
                and not self.lex.find(question.others_about, compact(told))):
            # "新卡 上周五刚拿到 激活过了能用": whatever the step asks about, the
            # user says it is fine. Not certain: the ticket keeps their words.
            return Reading(YES, sure=False, evidence="fine anywhere")
        if thanked:
            return Reading(THANKS, thanked=True)   # "中，那俺叫他找找……麻烦你了啊"
        return Reading(UNREADABLE)

    @staticmethod
    def _within_limit(text: str, question: Question) -> Optional[str]:
        """YES / NO from a limit and an amount both typed ("单笔上限5000 我充的
        8000") at a step that asks whether the amount is within the limit."""
        if not question.amount_within_limit:
            return None
        normal = normalize(text)

        def value(match: "re.Match[str]") -> Optional[float]:
            groups = [g for g in match.groups() if g is not None]   # one of the two limit forms matched
            if groups and len(groups[0]) == 1 and not groups[0].isdigit() and len(groups) == 1:
                return None   # the 一 of 一般 / 一次
            number = parse_number(groups[0]) if groups else None
            unit = groups[1] if len(groups) > 1 else ""
            return None if number is None else number * _MULTIPLIER.get(unit, 1)

        limits = [m for m in _LIMIT_AMOUNT.finditer(normal) if value(m) is not None]
        if not limits:
            return None
        limit = limits[0]
        # Where each limit's number stands: "50,000 per withdrawal and 200,000 per day" names no sum wanted.
        stated = {m.start(i) for m in limits for i in range(1, len(m.groups()) + 1) if m.group(i) is not None}
        wanted = next((m for m in _WANTED_AMOUNT.finditer(normal)
                       if m.start(1) not in stated and value(m) is not None), None)
        # Not typed beside the limit: the sum the user named earlier ("充五千").
        amount = value(wanted) if wanted is not None else question.amount_wanted
        if amount is None:
            return None
        return YES if amount <= value(limit) else NO

    @staticmethod
    def _covers(text: str, question: Question) -> Tuple[Optional[str], bool]:
        """YES / NO from a balance typed as a number at an "enough money?"
        step, and whether it was compared with the amount to pay (typed beside
        it or known from earlier). Not compared: a balance said plainly
        ("卡里两万多呢") is enough, one said with 就/只 ("卡里只有50") is not."""
        if not question.balance_covers or question.is_solved_question:
            return None, False
        normal = normalize(text)
        balance = next((m for m in _BALANCE_AMOUNT.finditer(normal) if _is_sum(m, 2)), None)
        value = parse_number(balance.group(2)) if balance else None
        if value is None:
            return None, False
        value *= _MULTIPLIER.get(balance.group(3) or "", 1)
        price = next((m for m in _PRICE_AMOUNT.finditer(normal) if m.start(1) != balance.start(2) and _is_sum(m, 1)),
                     None)
        wanted = parse_number(price.group(1)) if price else question.amount_wanted
        if price and wanted is not None:
            wanted *= _MULTIPLIER.get(price.group(2) or "", 1)
        if wanted is not None:
            return (YES if value >= wanted else NO), True
        return (NO if balance.group("only") else YES), False

    def _solved(self, whole: str, spaced: str = "") -> Optional[str]:
        """The words saying it works now; not "退回来了再给俺转一回" (once it
        is back, then …), which is still to come. A shadow typed apart is
        none: "重新提 到了" is no 提到了."""
        shadows = [(s, e, p) for s, e, p in self.lex.find(self.lex.list("not_solved"), whole)
                   if not spaced or p in spaced]
        for start, end, phrase in self.lex.find(self.lex.list("solved"), whole):
            if any(s <= start and end <= e for s, e, _ in shadows):
                continue   # the 到了 of 找到了
            if not whole[end:].startswith("再") and not self.lex.negated(whole, start):
                return phrase
        return None

    def _unsure(self, question: Question) -> Reading:
        # The operator's "no" button itself says "不支持或不确定": typing
        # that you are not sure is pressing it.
        if self.lex.find(self.lex.list("unsure_in_label"), compact(question.no_label)):
            return Reading(NO, evidence=question.no_label)
        return Reading(UNSURE)

    def _leading_answer(self, statements: Sequence[str], anywhere: bool) -> Optional[str]:
        """"还没 群都被他们解散了": a plain yes or no leading several clauses
        answers the question; the rest is the story around it. Further in
        ("你们这设计真离谱。。没到 差远了") only when nothing in the message says
        still broken or fixed ("公告看了，没有，问题还在": the 没有 is about the
        notice). "还没问呢" counts as a no when it leads. An acknowledgement
        ("好 那我过两天再看") is no yes; a yes and a no together decide nothing."""
        if len(statements) < 2:
            return None
        if _NOT_YET_DONE.fullmatch(_TRAILING_PARTICLES.sub("", statements[0])):
            return NO    # "还没问呢 我这就打给店家"
        acknowledging = set(_longest_first(tuple(self.lex.list("acknowledge"))))
        plain = {kind: set(_longest_first(tuple(self.lex.list(name)))) - acknowledging
                 for kind, name in ((NO, "no"), (YES, "yes"))}
        said = {kind for clause in (statements if anywhere else statements[:1]) for kind, words in plain.items()
                if _TRAILING_PARTICLES.sub("", clause) in words}
        return said.pop() if len(said) == 1 else None

    def _asks(self, normal: str) -> bool:
        """"好了吗？" asks rather than tells; "居然好了？？" is surprise."""
        return bool(re.search(r"(吗|么|没有?)[?？]?$|[?？]$", normal)) and not re.search(r"居然|竟然|真的好了", normal)

    def read_yes_no(self, text: str, nlu: Nlu) -> Reading:
        """A plain yes/no question (switch problems? a person?)."""
        return self.read(text, Question(), nlu)
