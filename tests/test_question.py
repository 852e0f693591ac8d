"""Question analysis: answer types, names, follow-ups."""
from qa.question import ANSWER_TYPES, answer_type, is_followup, key_phrases, mismatched, parse_question


def test_answer_types():
    assert answer_type("Who signed the deal?") == "who"
    assert answer_type("When was the plant opened?") == "date"
    assert answer_type("The plant was opened when?") == "date"  # a fill-in wh-word at the end
    assert answer_type("The plant was opened where?") == "place"
    assert answer_type("By which year did the company close its office?") == "date"
    assert answer_type("Where was the ceremony held?") == "place"
    assert answer_type("In which city did they meet?") == "place"
    assert answer_type("How many workers went on strike?") == "number"
    assert answer_type("Which British general negotiated the surrender?") == "person"
    assert answer_type("What did engineers propose?") == "thing"  # "did" is not a modifier of "engineers"
    assert answer_type("What was the total investment, in yuan, of the project?") == "money"
    assert answer_type("Which organizations released the report?") == "org"
    assert answer_type("Why did the talks fail?") == "reason"
    assert answer_type("What will the two sides build?") == "thing"
    assert answer_type("What colour was the flag?") in ANSWER_TYPES


def test_a_length_of_time_is_no_answer_to_how_much_it_is_worth():
    kind = answer_type("How much is Vela Bank paying the club for the shirt sponsorship?")
    assert kind == "money"
    assert mismatched(kind, "five-year") and mismatched(kind, "three seasons") and mismatched(kind, "25 years")
    assert not mismatched(kind, "$4.5 million") and not mismatched(kind, "free")
    assert not mismatched("duration", "five-year")  # "how long" is answered by it
    assert not mismatched(kind, None)


def test_a_price_question_is_not_answered_by_a_span_without_an_amount():
    q = "how much is the Kelmont kit deal worth"
    kind = answer_type(q)
    for span in ("robotic cells", "Limited", "eleven countries", "15 per cent", "fixed tariff"):
        assert mismatched(kind, span, q), span
    for span in ("€2.4m", "$60,000 a year", "PLN 1.14 billion", "1.5 million euros", "free", "half the price"):
        assert not mismatched(kind, span, q), span
    q = "From 1947 to 1967, how much did the price of oil increase?"  # a share answers a change
    assert not mismatched(answer_type(q), "less than two percent per year", q)
    assert mismatched(answer_type(q), "the Gulf states", q)
    q = "What tariff will the state pay Al Sarh?"
    assert mismatched(answer_type(q), "a fixed tariff", q) and not mismatched(answer_type(q), "US$0.031 per kWh", q)
    q = "Who signed the kit deal?"  # not a price question: nothing to check
    assert not mismatched(answer_type(q), "Lena Ohm", q)


def test_a_leading_when_clause_is_not_the_question():
    """"When X happens, what ...?" asks the "what"; "When did X ..., and where?" still asks when."""
    assert answer_type("When the storm reached the coast, what did the harbour master order?") == "thing"
    assert answer_type("When the ice melts it turns into what substance?") == "thing"
    assert answer_type("When was the town which became the capital founded?") == "date"
    assert answer_type("When did they sign it, and where?") == "date"


def test_ambiguous_money_nouns():
    """'capital' alone is a city and 'an amount of time' a duration; neither asks for money."""
    assert answer_type("What was the capital of the old kingdom?") != "money"
    assert answer_type("What was the registered capital of the joint venture?") == "money"
    assert answer_type("What is the minimum amount of time before a bill becomes law?") == "duration"
    assert answer_type("What was the amount of grain exported?") != "money"
    assert answer_type("What amount of money did the city borrow?") == "money"


def test_key_phrases_skip_question_openers_and_first_word():
    assert key_phrases("Who signed the agreement between Acme Corp and Globex?") == ["Acme Corp and Globex"]
    assert key_phrases("Most imperialism was carried out using which method of transport?") == []
    assert "2024" in key_phrases("Who won the 2024 Nobel Prize in Chemistry?")


def test_names_split_pairs_without_a_parser():
    from qa.evidence import name_phrases

    names = name_phrases("Who signed the agreement between Fudan University and Huawei in 2024?")
    assert len(names) == 2 and ["huawei"] in names and any("fudan" in n for n in names)
    assert name_phrases("what did the committee decide?") == []


def test_followups_carry_the_topic_but_fresh_questions_do_not():
    history = ["Who signed the agreement between Acme University and Globex?"]
    assert is_followup("Where did they sign it?", history)
    assert is_followup("And when?", history)
    assert not is_followup("What did the Ministry of Transport announce about rail fares in Spain?", history)
    q = parse_question("Where did they sign it?", history)
    assert q.is_followup and "Globex" in q.search_text and q.answer_type == "place"
    fresh = parse_question("What did the Ministry of Transport announce about rail fares in Spain?", history)
    assert not fresh.is_followup and "Globex" not in fresh.search_text
