package dualstream.http.support;

/** A request parameter of ours with a value we cannot use; answered with 400 and this message. */
public class BadRequestException extends Exception {

    private static final long serialVersionUID = 1L;

    public BadRequestException(String message) {
        super(message);
    }
}
