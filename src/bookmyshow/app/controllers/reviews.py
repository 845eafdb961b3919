"""Routes: a movie's reviews, writing one, voting one helpful, and the rating summary (tag
``reviews``).

Reading is open to anonymous visitors; writing and voting need an access token.  A movie's
catalog rating follows its reviews shortly after (the library propagates it from review events);
the summary here is always current.
"""

from __future__ import annotations

from typing import Annotated, Final

from litestar import get, post
from litestar.params import Parameter
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
)
from litestar.types import ControllerRouterHandler

from bookmyshow.app.dependencies import SECURED, TicketingDep
from bookmyshow.app.errors import error_responses
from bookmyshow.app.schemas.reviews import (
    HelpfulRead,
    RatingSummaryRead,
    ReviewCreate,
    ReviewPageRead,
    ReviewRead,
)
from bookmyshow.domain.users import Principal
from bookmyshow.ports.reviews import DEFAULT_PAGE_SIZE

__all__ = ["ROUTES", "list_reviews", "rating_summary", "vote_helpful", "write_review"]

_TAGS: Final = ["reviews"]


@get(
    "/api/movies/{movie_id:str}/reviews",
    operation_id="listReviews",
    tags=_TAGS,
    responses=error_responses(HTTP_401_UNAUTHORIZED),
)
async def list_reviews(
    *,
    ticketing: TicketingDep,
    viewer: Principal | None,
    movie_id: str,
    order: Annotated[
        str, Parameter(description="newest (default) or helpful (most votes first).")
    ] = "newest",
    cursor: Annotated[
        str | None, Parameter(description="The next_cursor of the previous page.")
    ] = None,
    limit: Annotated[int, Parameter(description="Reviews per page, 1 to 100.")] = DEFAULT_PAGE_SIZE,
) -> ReviewPageRead:
    """A page of the movie's reviews, newest or most helpful first.

    An unknown or unreviewed movie has an empty page.  422 ``invalid_input`` for a bad
    ``order`` or ``limit``, or a ``cursor`` not made for this movie and order.
    """
    page = await ticketing.reviews.list(viewer, movie_id, order=order, limit=limit, cursor=cursor)
    return ReviewPageRead.of(page)


@post(
    "/api/movies/{movie_id:str}/reviews",
    operation_id="writeReview",
    tags=_TAGS,
    security=SECURED,
    responses=error_responses(
        HTTP_401_UNAUTHORIZED, HTTP_403_FORBIDDEN, HTTP_404_NOT_FOUND, HTTP_409_CONFLICT
    ),
)
async def write_review(
    ticketing: TicketingDep, principal: Principal, movie_id: str, data: ReviewCreate
) -> ReviewRead:
    """Review a movie (201); it is ``verified`` when the caller saw a show of it.

    404 for an unknown movie, 409 ``review_exists`` when the caller already reviewed it, 422
    ``invalid_input`` for a rating outside 1..10 or a body over 5000 characters, and 403 for a
    caller whose roles may not write reviews.
    """
    review = await ticketing.reviews.write(principal, movie_id, rating=data.rating, text=data.body)
    return ReviewRead.of(review)


@post(
    "/api/reviews/{review_id:str}/helpful",
    operation_id="voteReviewHelpful",
    tags=_TAGS,
    status_code=HTTP_200_OK,
    security=SECURED,
    responses=error_responses(HTTP_401_UNAUTHORIZED, HTTP_403_FORBIDDEN, HTTP_404_NOT_FOUND),
)
async def vote_helpful(
    ticketing: TicketingDep, principal: Principal, review_id: str
) -> HelpfulRead:
    """Vote a review helpful and get its helpful count.

    One vote per user: voting again changes nothing and answers the same count.  403
    ``cannot_vote_own_review`` for the review's author; 404 for an unknown review.
    """
    helpful = await ticketing.reviews.vote_helpful(principal, review_id)
    return HelpfulRead(review_id=review_id, helpful=helpful)


@get(
    "/api/movies/{movie_id:str}/rating",
    operation_id="getRatingSummary",
    tags=_TAGS,
    responses=error_responses(HTTP_401_UNAUTHORIZED),
)
async def rating_summary(
    ticketing: TicketingDep, viewer: Principal | None, movie_id: str
) -> RatingSummaryRead:
    """The movie's rating summary: count, average and histogram (empty for an unreviewed or
    unknown movie)."""
    summary = await ticketing.reviews.summary(viewer, movie_id)
    return RatingSummaryRead.of(movie_id, summary)


ROUTES: Final[list[ControllerRouterHandler]] = [
    list_reviews,
    write_review,
    vote_helpful,
    rating_summary,
]
