"""Subject matter for ``long_lecture``: one survey course, a chapter per topic.

Each topic has terms with definitions (phrased "is a ..." as lecturers say them), facts and
examples, so that generated speech carries real, distinct content per chapter.
"""

from __future__ import annotations

from typing import NamedTuple


class Topic(NamedTuple):
    title: str
    terms: tuple[tuple[str, str], ...]
    facts: tuple[str, ...]
    examples: tuple[str, ...]


TOPICS: tuple[Topic, ...] = (
    Topic(
        "Binary and number representation",
        (
            ("a bit", "the smallest unit of information, a single zero or one"),
            ("a byte", "a group of eight bits, which can hold 256 different values"),
            ("two's complement", "the usual way computers store negative integers"),
            ("floating point", "a format that stores a number as a sign, an exponent and a fraction"),
        ),
        (
            "Every extra bit doubles the number of values you can represent.",
            "Hexadecimal is just a compact way for humans to write groups of four bits.",
            "Zero point one cannot be stored exactly in binary floating point.",
            "Integer overflow happens when a result needs more bits than the type has.",
        ),
        (
            "The number thirteen in binary is one one zero one: eight plus four plus one.",
            "If you add zero point one and zero point two in Python you get a tiny rounding error.",
            "A 32-bit signed integer tops out at a little over two billion.",
        ),
    ),
    Topic(
        "Logic gates and circuits",
        (
            ("a logic gate", "a tiny circuit that computes a boolean function of its inputs"),
            ("a truth table", "a table listing the output of a circuit for every combination of inputs"),
            ("an adder", "a circuit that adds binary numbers, built entirely from gates"),
            ("a flip-flop", "a circuit that stores one bit as long as it has power"),
        ),
        (
            "With NAND gates alone you can build every other kind of gate.",
            "A processor is, at the bottom, billions of transistors acting as switches.",
            "Memory is what turns a circuit that reacts into one that remembers.",
            "The clock signal keeps every part of the chip stepping in time.",
        ),
        (
            "An AND gate outputs one only when both inputs are one, like two switches in series.",
            "A half adder is just an XOR gate for the sum and an AND gate for the carry.",
            "Chaining thirty-two full adders gives you a 32-bit adder.",
        ),
    ),
    Topic(
        "The CPU and the memory hierarchy",
        (
            ("a register", "a tiny, extremely fast storage slot inside the processor"),
            ("a cache", "a small fast memory that keeps copies of recently used data"),
            ("the instruction cycle", "the loop of fetch, decode and execute that a processor repeats"),
            ("locality", "the tendency of programs to reuse data and to use data stored nearby"),
        ),
        (
            "Reading main memory can take a hundred times longer than reading the cache.",
            "Caches work because of locality, not because they are big.",
            "Pipelining lets a processor work on several instructions at once.",
            "Walking an array in order is much faster than jumping around in it.",
        ),
        (
            "Summing a big matrix row by row can be several times faster than column by column.",
            "A laptop processor might have a few megabytes of cache and sixteen gigabytes of memory.",
            "A cache miss is like walking to the library instead of reading from your desk.",
        ),
    ),
    Topic(
        "Operating systems and processes",
        (
            ("an operating system", "the software that manages hardware and shares it between programs"),
            ("a process", "a running program with its own memory space"),
            ("a thread", "a sequence of execution inside a process that shares its memory"),
            ("virtual memory", "an abstraction that gives each process the illusion of its own memory"),
        ),
        (
            "The scheduler switches between processes so quickly that they seem to run at once.",
            "Threads are cheaper than processes but they can step on each other's data.",
            "A system call is how a program asks the kernel to do something privileged.",
            "Page faults let the system load memory lazily, only when it is touched.",
        ),
        (
            "When you open a browser, it may start dozens of processes, one per tab.",
            "Two threads incrementing the same counter without a lock can lose updates.",
            "Your program never sees physical addresses, only virtual ones.",
        ),
    ),
    Topic(
        "Networks and the internet",
        (
            ("a packet", "a small chunk of data sent across a network with a header saying where it goes"),
            ("TCP", "a protocol that provides a reliable, ordered stream of bytes"),
            ("DNS", "a distributed directory that turns names into IP addresses"),
            ("latency", "the time it takes for data to travel from one point to another"),
        ),
        (
            "The internet is a network of networks, held together by shared protocols.",
            "TCP retransmits lost packets, so the application never sees the gaps.",
            "Light in fibre takes about seventy milliseconds to cross the Atlantic and back.",
            "Bandwidth and latency are different things, and latency is often what hurts.",
        ),
        (
            "Loading a web page can involve a DNS lookup, a TCP handshake and a TLS handshake.",
            "A video call prefers a late packet to be dropped rather than waited for.",
            "Typing a URL sends a question to a DNS resolver before anything else happens.",
        ),
    ),
    Topic(
        "Databases and SQL",
        (
            ("a relational database", "a system that stores data in tables with rows and columns"),
            ("a primary key", "a column, or set of columns, that uniquely identifies each row"),
            ("an index", "a data structure that makes lookups on a column fast"),
            ("a transaction", "a group of operations that succeed or fail together"),
        ),
        (
            "SQL describes what data you want, and the database decides how to get it.",
            "An index speeds up reads but makes every write a little slower.",
            "Transactions are what stop a bank transfer from taking money without delivering it.",
            "Normalisation removes duplicated data so that it cannot disagree with itself.",
        ),
        (
            "Finding one customer among ten million rows takes milliseconds with an index.",
            "A join combines orders with customers using the customer id in both tables.",
            "If the power fails halfway through a transaction, the database rolls it back.",
        ),
    ),
    Topic(
        "Algorithms and complexity",
        (
            ("an algorithm", "a precise, finite sequence of steps that solves a problem"),
            ("big O notation", "a way to describe how running time grows with the size of the input"),
            ("a linear search", "an algorithm that checks every element one by one"),
            ("a binary search", "an algorithm that halves a sorted range at every step"),
        ),
        (
            "Constant factors matter less than growth rates once the input is large.",
            "An algorithm that is quadratic will eventually lose to one that is n log n.",
            "Binary search on a million items needs about twenty comparisons.",
            "Some problems have no known efficient algorithm at all.",
        ),
        (
            "Looking up a word in a paper dictionary is a kind of binary search.",
            "Comparing every pair of a thousand students means about half a million comparisons.",
            "Doubling the input of a linear algorithm roughly doubles its running time.",
        ),
    ),
    Topic(
        "Sorting",
        (
            ("insertion sort", "a simple sort that builds the result one element at a time"),
            ("merge sort", "a divide and conquer sort that splits, sorts the halves and merges them"),
            ("quicksort", "a sort that partitions the data around a pivot and recurses"),
            ("a stable sort", "a sort that keeps equal elements in their original order"),
        ),
        (
            "No comparison sort can beat n log n comparisons in the worst case.",
            "Insertion sort is actually fast for small or nearly sorted inputs.",
            "Quicksort is fast on average but quadratic with consistently bad pivots.",
            "Most standard libraries use hybrids that switch strategy by input size.",
        ),
        (
            "Sorting a hand of playing cards is insertion sort done by hand.",
            "Sorting by last name and then stably by city keeps names in order within a city.",
            "Python's built-in sort is a merge sort variant called Timsort.",
        ),
    ),
    Topic(
        "Hash tables",
        (
            ("a hash function", "a function that maps a key to a number in a fixed range"),
            ("a hash table", "a structure that stores key value pairs in buckets chosen by hashing"),
            ("a collision", "the case where two different keys hash to the same bucket"),
            ("the load factor", "the ratio of stored items to the number of buckets"),
        ),
        (
            "Lookups in a hash table take constant time on average.",
            "A good hash function spreads keys evenly across the buckets.",
            "When the load factor gets too high, the table grows and rehashes everything.",
            "Hash tables give you no useful ordering of the keys.",
        ),
        (
            "A Python dictionary and a JavaScript object are both hash tables underneath.",
            "Counting word frequencies in a book takes one pass with a hash table.",
            "A coat check that hands you a ticket number works like a hash table.",
        ),
    ),
    Topic(
        "Graphs",
        (
            ("a graph", "a set of vertices connected by edges"),
            ("breadth-first search", "a traversal that visits vertices in order of distance from the start"),
            ("Dijkstra's algorithm", "an algorithm that finds shortest paths when edge weights are positive"),
            ("a tree", "a connected graph with no cycles"),
        ),
        (
            "Social networks, road maps and the web are all naturally graphs.",
            "Breadth-first search finds the path with the fewest edges.",
            "A graph can be stored as an adjacency list or an adjacency matrix.",
            "Detecting a cycle is the key step in checking for deadlocks.",
        ),
        (
            "A navigation app runs a shortest path search over a graph of road segments.",
            "Six degrees of separation is a statement about path lengths in a social graph.",
            "A package manager sorts dependencies with a topological sort of a graph.",
        ),
    ),
    Topic(
        "Cryptography",
        (
            ("encryption", "the process of turning readable data into data only a key holder can read"),
            ("a public key", "the half of a key pair that can be shared with anyone"),
            ("a cryptographic hash", "a function whose output is easy to compute but hard to reverse"),
            ("a digital signature", "a value that proves who wrote a message and that it was not changed"),
        ),
        (
            "Security should rest on the secrecy of the key, not of the algorithm.",
            "Public key cryptography solved the problem of agreeing on a key with a stranger.",
            "Passwords should be stored as slow salted hashes, never as plain text.",
            "Never invent your own cipher for real use.",
        ),
        (
            "The padlock in your browser means a TLS connection with a verified certificate.",
            "Changing one letter of a document changes its SHA-256 hash completely.",
            "A signed software update proves it came from the vendor.",
        ),
    ),
    Topic(
        "Compilers and programming languages",
        (
            ("a compiler", "a program that translates source code into another language, often machine code"),
            ("an interpreter", "a program that executes source code directly, statement by statement"),
            ("a parser", "the part of a compiler that turns tokens into a syntax tree"),
            ("static typing", "a discipline in which types are checked before the program runs"),
        ),
        (
            "Most compilers work in stages: lexing, parsing, analysis, optimisation and code generation.",
            "Just-in-time compilers compile the hot parts of a program while it runs.",
            "A type checker catches a whole class of bugs before the code ever runs.",
            "Every language design is a set of trade-offs between safety, speed and convenience.",
        ),
        (
            "When you forget a semicolon in C, it is the parser that complains.",
            "JavaScript engines in browsers compile code just in time.",
            "Adding type hints to Python lets a tool like mypy find mistakes early.",
        ),
    ),
    Topic(
        "Machine learning",
        (
            ("supervised learning", "learning a mapping from inputs to outputs using labelled examples"),
            ("overfitting", "when a model memorises the training data and fails on new data"),
            ("a training set", "the examples a model learns from"),
            ("a validation set", "held-out data used to choose settings and detect overfitting"),
        ),
        (
            "A model is only as good as the data it was trained on.",
            "More parameters can fit more patterns, including the noise.",
            "Evaluating on the training data tells you almost nothing.",
            "Simple baselines are often surprisingly hard to beat.",
        ),
        (
            "A spam filter learns from emails that people marked as spam or not spam.",
            "A model that scores ninety-nine percent on training data and sixty on new data has overfit.",
            "Predicting house prices from size and location is a regression problem.",
        ),
    ),
    Topic(
        "Distributed systems",
        (
            ("a distributed system", "a set of computers that work together and appear as one system"),
            ("replication", "keeping copies of the same data on several machines"),
            ("consensus", "the problem of getting several machines to agree on one value"),
            ("a partition", "a network failure that splits machines into groups that cannot talk"),
        ),
        (
            "In a distributed system, partial failure is the normal case, not the exception.",
            "The CAP theorem says that during a partition you must choose consistency or availability.",
            "Clocks on different machines never agree exactly.",
            "Retries are necessary, so operations should be safe to repeat.",
        ),
        (
            "A payment service must not charge twice when a request is retried after a timeout.",
            "A database with three replicas can lose one machine and keep serving.",
            "Raft is a consensus algorithm designed to be easier to understand than Paxos.",
        ),
    ),
    Topic(
        "Software testing",
        (
            ("a unit test", "a small automated test of one function or class in isolation"),
            ("an integration test", "a test that checks several parts working together"),
            ("a regression", "a bug where something that used to work stops working"),
            ("test coverage", "the share of the code that the tests actually execute"),
        ),
        (
            "A test that can never fail is worse than no test, because it gives false confidence.",
            "Fast tests get run; slow tests get skipped.",
            "Writing the test first forces you to decide what the code should do.",
            "High coverage does not mean the assertions check anything useful.",
        ),
        (
            "A test for a date function should include leap years and the end of the month.",
            "When you fix a bug, add a test that would have caught it.",
            "Faking the network in tests keeps them fast and repeatable.",
        ),
    ),
    Topic(
        "Version control",
        (
            ("version control", "a system that records changes to files over time"),
            ("a commit", "a snapshot of the project together with a message explaining the change"),
            ("a branch", "an independent line of development"),
            ("a merge conflict", "what happens when two branches change the same lines differently"),
        ),
        (
            "Small commits with clear messages make history useful.",
            "Git stores snapshots, and each commit points to its parent.",
            "Code review catches problems that tests do not.",
            "Never rewrite history that others have already pulled.",
        ),
        (
            "Git bisect can find the commit that introduced a bug by binary search.",
            "A feature branch lets you experiment without breaking the main branch.",
            "Two people editing the same function on different branches often leads to a conflict.",
        ),
    ),
)
